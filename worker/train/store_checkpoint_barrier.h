// StoreCheckpointBarrier: the CheckpointBarrier of multi-process runs, over the job's
// RendezvousStore (whose scope already carries the job and the restart generation, so a
// rank of an old generation never meets one of the new). Rank r of round `key` publishes
// its payload under "<key>/r<r>", waits for every rank's key, and reads them in rank order.
// It does not use the communicator, so the checkpoint writer's background thread never
// races the training loop's collectives.
//
// Keys must be unique per round within a generation (the writer's "checkpoint/<step>/
// <phase>" are). Cancel() makes waiting and later rounds return Aborted at once (within
// kCancelPollInterval): a failed rank calls it so a checkpoint persist waiting for a dead
// peer does not hold the process for the barrier timeout.
// Ownership: borrows the store. Thread-safety: thread-safe.
#ifndef FLYOVER_WORKER_TRAIN_STORE_CHECKPOINT_BARRIER_H_
#define FLYOVER_WORKER_TRAIN_STORE_CHECKPOINT_BARRIER_H_

#include <atomic>
#include <string>
#include <vector>

#include "common/clock.h"
#include "worker/checkpoint/checkpoint_barrier.h"
#include "worker/comm/rendezvous_store.h"

namespace flyover::worker {

class StoreCheckpointBarrier final : public CheckpointBarrier {
 public:
  // `clock` (not owned) times the timeouts.
  StoreCheckpointBarrier(RendezvousStore* store, int world_size, Clock* clock = RealClock())
      : store_(store), world_size_(world_size), clock_(clock) {}

  absl::StatusOr<std::vector<std::string>> AllGather(absl::string_view key, int rank,
                                                     std::string payload,
                                                     absl::Duration timeout) override;
  void Cancel() { cancelled_.store(true); }

  static constexpr absl::Duration kCancelPollInterval = absl::Milliseconds(100);

 private:
  RendezvousStore* const store_;
  const int world_size_;
  Clock* const clock_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_STORE_CHECKPOINT_BARRIER_H_
