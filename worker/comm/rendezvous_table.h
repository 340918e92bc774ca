// RendezvousTable: the rendezvous keys of many jobs, held in this process. It is the state
// behind InMemoryRendezvousServer (the HTTP endpoint the operator embeds) and behind
// InMemoryRendezvousStore (the in-process fake of RendezvousStore).
//
// Generations: per job the table remembers the newest generation any call has named.
// Naming a newer one supersedes every older generation: their keys are dropped and every
// later call for them, and every Wait still blocked on them, returns Aborted. So a new
// generation never sees an older one's keys, and a straggler of an old generation learns
// at once that the job has restarted without it.
//
// Ownership: owns its data. A `Clock` passed in is not owned and must outlive the table.
//
// Thread-safety: all methods are safe to call from many threads at once. Shutdown() wakes
// every blocked WaitAndGet(); the table must not be destroyed while calls are in progress.
#ifndef FLYOVER_WORKER_COMM_RENDEZVOUS_TABLE_H_
#define FLYOVER_WORKER_COMM_RENDEZVOUS_TABLE_H_

#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "worker/comm/rendezvous_store.h"

namespace flyover::worker {

class RendezvousTable {
 public:
  explicit RendezvousTable(Clock* clock = RealClock()) : clock_(clock) {}
  RendezvousTable(const RendezvousTable&) = delete;
  RendezvousTable& operator=(const RendezvousTable&) = delete;

  // Each call validates scope, key and value (InvalidArgument), returns Aborted for a
  // superseded generation and Unavailable after Shutdown().

  [[nodiscard]] absl::Status Set(const RendezvousScope& scope, absl::string_view key,
                                 absl::string_view value) ABSL_LOCKS_EXCLUDED(mu_);

  // NotFound if the key is not set.
  [[nodiscard]] absl::StatusOr<std::string> Get(const RendezvousScope& scope,
                                                absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until the key is set (returning its value) or `deadline` (by the table's clock)
  // passes (NotFound). Aborted as soon as the generation is superseded.
  [[nodiscard]] absl::StatusOr<std::string> WaitAndGet(const RendezvousScope& scope,
                                                       absl::string_view key,
                                                       absl::Time deadline)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Drops every key of `job` and forgets its generations (the job is finished).
  void DeleteJob(absl::string_view job) ABSL_LOCKS_EXCLUDED(mu_);

  // The newest generation named for `job`, or -1 if none.
  int64_t NewestGeneration(absl::string_view job) const ABSL_LOCKS_EXCLUDED(mu_);

  // The number of keys held for `job` (all of its newest generation).
  size_t KeyCount(absl::string_view job) const ABSL_LOCKS_EXCLUDED(mu_);

  // The clock that measures WaitAndGet() deadlines.
  Clock* clock() const { return clock_; }

  // Makes every blocked and later call return Unavailable.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Job {
    int64_t generation = -1;
    absl::flat_hash_map<std::string, std::string> values;
  };

  // Validates, handles shutdown and supersession, and returns the job's entry (advancing
  // its generation if `scope` names a newer one).
  absl::StatusOr<Job*> Enter(const RendezvousScope& scope, absl::string_view key)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Clock* const clock_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Job> jobs_ ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_RENDEZVOUS_TABLE_H_
