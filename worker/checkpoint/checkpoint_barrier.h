// CheckpointBarrier: how the ranks of one run agree that a checkpoint is complete, without
// this library knowing the communicator. Each CheckpointWriter calls AllGather at three
// phases of a commit (docs/design/checkpoint.md: prepare, written, committed); rank 0
// writes the manifest only after every rank has reported its shard durable.
//
// Implementations: InProcessBarrier (below; threads of one process, for tests and
// single-process runs). A production adapter lives beside the communicator or the
// rendezvous store and prefixes keys with the restart generation, so a rank of an old
// generation never meets a rank of the new one.
//
// Thread-safety: implementations must allow the ranks to call concurrently.
#ifndef FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_BARRIER_H_
#define FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_BARRIER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::worker {

class CheckpointBarrier {
 public:
  virtual ~CheckpointBarrier() = default;

  // Contributes `payload` as `rank` to the round named `key`, waits until every rank of
  // the world has contributed to it, and returns all payloads in rank order. Each rank
  // calls once per key. Errors: DeadlineExceeded if not every rank arrived within
  // `timeout`; InvalidArgument for a rank out of range or a second call for one key.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> AllGather(
      absl::string_view key, int rank, std::string payload, absl::Duration timeout) = 0;
};

// A CheckpointBarrier for `world_size` threads of one process; timeouts run on `clock`
// (not owned; RealClock() by default). A round is forgotten once every rank has collected
// its result, so keys may be reused afterwards. A rank that times out withdraws its
// payload: the round then completes only if that rank calls again.
//
// Thread-safety: thread-safe.
class InProcessBarrier final : public CheckpointBarrier {
 public:
  explicit InProcessBarrier(int world_size, Clock* clock = RealClock());

  absl::StatusOr<std::vector<std::string>> AllGather(absl::string_view key, int rank,
                                                     std::string payload,
                                                     absl::Duration timeout) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Round {
    std::vector<std::string> payloads;
    std::vector<bool> arrived;
    int arrivals = 0;
    int departures = 0;
    bool complete = false;  // every rank arrived; waited on through absl::Condition
  };

  const int world_size_;
  Clock* const clock_;
  absl::Mutex mu_;
  // Node-based: a waiting rank holds a pointer to its round's `complete`.
  absl::node_hash_map<std::string, Round> rounds_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_BARRIER_H_
