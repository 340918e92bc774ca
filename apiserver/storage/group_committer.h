// GroupCommitter: the storage's single writer. Writers Submit() a mutation and block; one
// committer thread drains every mutation waiting at that moment (up to a batch limit) into one
// RevisionLog::Apply() transaction, so N concurrent writers share one fsync, then hands the
// commit's changes to a sink (the watch fan-out) and wakes each writer with its own outcome.
// While a commit is in flight the next batch gathers. Writers acknowledged by one commit are
// usually a moment late for the next (they must wake up and submit again), which would split
// N writers into two alternating half-size batches; so when a batch is smaller than the last
// one, the committer waits up to `commit_delay` for the missing writers (PostgreSQL's
// commit_delay/commit_siblings idea). A single writer never waits; no batch waits longer than
// commit_delay.
//
// It also runs compaction, in bounded steps between batches so that writes never wait for a
// whole compaction: Compact(revision) on request, and every `compaction_interval` on its own
// (see CommitterOptions).
//
// Thread-safety: all public methods are thread-safe. The sink runs on the committer thread.
#ifndef FLYOVER_APISERVER_STORAGE_GROUP_COMMITTER_H_
#define FLYOVER_APISERVER_STORAGE_GROUP_COMMITTER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "apiserver/storage/revision_log.h"
#include "apiserver/storage/storage_metrics.h"
#include "common/clock.h"

namespace flyover::apiserver::storage {

struct CommitterOptions {
  // Limits on one transaction.
  size_t max_batch_mutations = 1024;
  size_t max_batch_bytes = 32 << 20;
  // How long a batch smaller than the previous one waits for more writers (0 = never). Real
  // time, not the injected clock: it is a scheduling allowance, not behaviour under test.
  absl::Duration commit_delay = absl::Microseconds(200);
  // How long Submit() waits for its commit before DeadlineExceeded (the write may still land).
  absl::Duration write_timeout = absl::Seconds(30);
  // Periodic compaction: every interval, compact up to the revision that was current one
  // interval earlier, but keep at least `min_retained_revisions` revisions. So a watcher can
  // resume from any revision of the last interval and the last min_retained_revisions changes.
  // A zero interval disables periodic compaction (Compact() still works).
  absl::Duration compaction_interval = absl::Minutes(5);
  int64_t min_retained_revisions = 10000;
  // Changes discarded per compaction transaction.
  int64_t compaction_step = 1000;
};

class GroupCommitter {
 public:
  using ChangeSink = std::function<void(std::vector<std::shared_ptr<const Change>>)>;

  // `log` must outlive the committer; `sink` receives each successful commit's changes.
  GroupCommitter(RevisionLog* log, Clock* clock, std::shared_ptr<StorageMetrics> metrics,
                 ChangeSink sink, CommitterOptions options);
  ~GroupCommitter();  // Stop()s
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  // Commits what is queued, fails pending Compact() calls with Unavailable and joins the
  // thread. Idempotent; Submit() afterwards returns Unavailable.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

  // Queues `mutation` (already validated) and waits for its commit. Returns the recorded Change,
  // the mutation's own refusal (AlreadyExists, NotFound, Aborted), the commit's error (nothing
  // of the batch was written), DeadlineExceeded or Unavailable.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const Change>> Submit(Mutation mutation)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Compacts history up to `revision` and waits until done. InvalidArgument if `revision` is
  // above the current revision; Unavailable if stopped first.
  [[nodiscard]] absl::Status Compact(int64_t revision) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Pending {
    Mutation mutation;
    bool done = false;
    absl::StatusOr<std::shared_ptr<const Change>> result;
  };

  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Moves queued mutations into `batch` up to the batch limits.
  void TakeBatch(std::vector<std::shared_ptr<Pending>>& batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Lets the writers of the previous batch catch up with a smaller one (see commit_delay).
  void AwaitSiblings(std::vector<std::shared_ptr<Pending>>& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CommitBatch(const std::vector<std::shared_ptr<Pending>>& batch) ABSL_LOCKS_EXCLUDED(mu_);
  void CompactionStep() ABSL_LOCKS_EXCLUDED(mu_);
  void ScheduleCompaction(int64_t& revision_at_last_tick) ABSL_LOCKS_EXCLUDED(mu_);
  bool CompactionPending() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return compact_target_ > compacted_through_;
  }

  RevisionLog* const log_;
  Clock* const clock_;
  const std::shared_ptr<StorageMetrics> metrics_;
  const ChangeSink sink_;
  const CommitterOptions options_;

  absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<std::shared_ptr<Pending>> queue_ ABSL_GUARDED_BY(mu_);
  size_t last_batch_size_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t compact_target_ ABSL_GUARDED_BY(mu_) = 0;      // the highest revision asked for
  int64_t compacted_through_ ABSL_GUARDED_BY(mu_) = 0;   // the highest revision done
  bool compact_target_set_ ABSL_GUARDED_BY(mu_) = true;  // recorded in the log already
  int64_t compact_cursor_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status compact_error_ ABSL_GUARDED_BY(mu_);  // of the last failed attempt
  int64_t compact_failures_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_GROUP_COMMITTER_H_
