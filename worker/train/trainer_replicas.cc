// Trainer: cross-pod in-memory replicas (replica_exchange.h).
#include "common/status.h"
#include "worker/checkpoint/shard_format.h"
#include "worker/train/replica_exchange.h"
#include "worker/train/trainer.h"

namespace flyover::worker {

bool Trainer::SharesReplicas() const {
  return deps_.held_replicas != nullptr && deps_.comm->size() > 1 &&
         options_.config.checkpoint.in_memory_replicas > 0;
}

absl::Status Trainer::ShareStepReplica() {
  return WithStateView([this](const RankStateView& view) -> absl::Status {
    ASSIGN_OR_RETURN(EncodedShard shard, EncodeShard(view));
    return ShareReplica(*deps_.comm, *deps_.held_replicas,
                        {.job = options_.job,
                         .rank = deps_.comm->rank(),
                         .step = static_cast<uint64_t>(step_),
                         .bytes = std::move(shard.bytes),
                         .crc32 = shard.crc32},
                        {.ranks_per_pod = options_.ranks_per_pod,
                         .keep_steps = options_.config.checkpoint.in_memory_replicas});
  });
}

absl::StatusOr<std::optional<RestoredState>> Trainer::RecoverHeldReplicas(
    const LoadRequest& request, const absl::StatusOr<RestoredState>& disk) {
  if (!SharesReplicas()) return std::nullopt;
  RecoverOptions recover{.load = request};
  if (disk.ok()) recover.disk_step = disk->step;
  if (options_.resume_step.has_value()) {
    recover.required_step = static_cast<uint64_t>(*options_.resume_step);
  }
  return RecoverFromReplicas(*deps_.comm, *deps_.held_replicas, recover);
}

}  // namespace flyover::worker
