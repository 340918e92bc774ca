// CheckpointWriter: one rank's side of sharded, asynchronous, crash-safe checkpoints.
//
// Snapshot() is the only part that stalls training: it copies the rank's state into a
// buffer laid out as the shard file (a memcpy of 3·N/W floats plus the opaque bytes) and
// returns. A background thread then runs the commit protocol of
// docs/design/checkpoint.md: rank 0 prepares the step directory, every rank writes and
// fsyncs its shard, the ranks exchange their shard reports through the CheckpointBarrier,
// rank 0 writes the manifest atomically (the commit) and then, only after that commit,
// deletes checkpoints beyond the newest `keep`. With world size 1 no barrier is used.
//
//   ASSIGN_OR_RETURN(auto writer, CheckpointWriter::Create(fs, barrier, options));
//   RETURN_IF_ERROR(writer->Snapshot(state));      // memcpy; training goes on
//   ...
//   RETURN_IF_ERROR(writer->Wait(absl::Minutes(5)));  // durable and committed, or why not
//
// A step that is already committed and verifies is kept, not rewritten (see
// PrepareStepDir); its Snapshot() then succeeds without writing anything.
//
// One persist is in flight at a time: Snapshot() first waits (up to
// snapshot_wait_timeout) for the previous one to finish, then reuses its buffer.
//
// Errors of the background work are kept until Wait() returns them: the first failure
// since the previous Wait() (a filesystem error naming the path, DeadlineExceeded from the
// barrier, Aborted when another rank failed). A failure not collected by the time the
// writer is destroyed is logged. A failed checkpoint leaves the previous committed one as
// the newest; later Snapshot()s are still accepted. On ranks other than 0 an error means
// "not known to be committed": rank 0 may have committed just before this rank's last
// barrier timed out.
//
// Ownership: does not own `fs` or `barrier`; both must outlive the writer. The destructor
// finishes a persist in flight (which may wait up to the barrier timeouts), then joins.
// Thread-safety: thread-safe; Snapshot() calls are serialised.
#ifndef FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_WRITER_H_
#define FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/file_system.h"
#include "common/log.h"
#include "worker/checkpoint/checkpoint_barrier.h"
#include "worker/checkpoint/checkpoint_types.h"
#include "worker/checkpoint/commit_protocol.h"

namespace flyover::worker {

struct CheckpointWriterOptions {
  // The directory holding the step directories; created if missing. Required.
  std::string root;
  int world_size = 1;
  int rank = 0;
  // Committed checkpoints to retain, the newest included; at least 1.
  int keep = 3;
  // The largest single append while writing a shard.
  size_t write_chunk_bytes = size_t{8} << 20;
  // How long each of the three barrier phases waits for the other ranks.
  absl::Duration barrier_timeout = absl::Minutes(10);
  // How long Snapshot() waits for the previous checkpoint to finish persisting.
  absl::Duration snapshot_wait_timeout = absl::Minutes(10);
  // Times the timeouts and the stats; not owned.
  Clock* clock = RealClock();
};

// Where the time of one committed checkpoint went, for metrics and benchmarks.
struct CheckpointCommitStats {
  uint64_t step = 0;
  uint64_t shard_bytes = 0;           // this rank's shard file
  absl::Duration snapshot;            // Snapshot()'s copy: the training stall
  absl::Duration commit;              // hand-over to the manifest durable (all ranks)
  absl::Duration retention;           // deleting older checkpoints afterwards (rank 0)
};

class CheckpointWriter {
 public:
  // InvalidArgument for bad options (empty root, keep < 1, rank outside the world, no
  // barrier with world size > 1, zero chunk size); the FileSystem's error if the root
  // cannot be created.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<CheckpointWriter>> Create(
      FileSystem* fs, CheckpointBarrier* barrier, CheckpointWriterOptions options);

  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;
  ~CheckpointWriter();

  // Copies `state` and hands it to the background thread; returns once the copy is done,
  // before anything is durable. InvalidArgument if `state` fails ValidateRankState or its
  // world size or rank differ from the options'; DeadlineExceeded if the previous
  // checkpoint is still persisting after snapshot_wait_timeout (nothing is taken).
  [[nodiscard]] absl::Status Snapshot(const RankStateView& state) ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until every snapshot taken so far is committed or has failed, and returns the
  // first failure since the previous Wait() (then forgets it). DeadlineExceeded if work is
  // still in flight after `timeout`; its outcome stays for a later Wait().
  [[nodiscard]] absl::Status Wait(absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  // The step of the newest checkpoint this writer saw committed.
  std::optional<uint64_t> last_committed_step() const ABSL_LOCKS_EXCLUDED(mu_);

  // The timings of that checkpoint.
  std::optional<CheckpointCommitStats> last_commit_stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // What the background thread persists: the step and the facts the manifest needs; the
  // shard body itself is in buffer_.
  struct Job {
    uint64_t step = 0;
    uint64_t num_elements = 0;
    uint64_t lr_schedule_step = 0;
    ElementRange range;
    absl::Duration snapshot;  // how long the copy took
  };

  CheckpointWriter(FileSystem* fs, CheckpointBarrier* barrier, CheckpointWriterOptions options);

  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  // Runs the commit protocol for `job`; fills `stats` as far as it gets.
  absl::Status Persist(const Job& job, CheckpointCommitStats& stats);
  absl::Status CommitAsCoordinator(const Job& job, const std::vector<PhaseReport>& written);
  // Sends `report` for `phase` of `job` and returns every rank's, in rank order.
  absl::StatusOr<std::vector<PhaseReport>> Exchange(const Job& job, absl::string_view phase,
                                                    const PhaseReport& report);
  bool Idle() const ABSL_SHARED_LOCKS_REQUIRED(mu_) { return !job_.has_value(); }
  bool HasWorkOrStopping() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return job_.has_value() || stopping_;
  }

  FileSystem& fs_;
  CheckpointBarrier* const barrier_;
  const CheckpointWriterOptions options_;
  const log::Logger logger_;

  // Serialises Snapshot() calls; taken before mu_.
  absl::Mutex snapshot_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // The shard body of the current job. Snapshot() writes it only while Idle(); the
  // background thread reads it only while a job is set. The hand-over happens under mu_.
  std::unique_ptr<char[]> buffer_;
  size_t buffer_capacity_ = 0;
  size_t buffer_size_ = 0;

  mutable absl::Mutex mu_;
  std::optional<Job> job_ ABSL_GUARDED_BY(mu_);  // cleared when persisted or failed
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);  // the first failure Wait() has not returned
  std::optional<CheckpointCommitStats> last_commit_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;  // runs Run(); started last, joined first
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_WRITER_H_
