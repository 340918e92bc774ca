// Cross-pod replica exchange (issue 8): every rank's shard is held by a buddy rank in
// another pod, so losing one pod loses at most the step in flight.
//
// Topology. Pods hold `ranks_per_pod` consecutive ranks (pod = rank / ranks_per_pod). The
// buddy of rank r, which holds r's replicas, is (r + ranks_per_pod) mod W: the same local
// index in the next pod. A rank also keeps its own shard, so the survivors of one lost pod
// hold their own shards and the lost pod's.
//
// ShareReplica (collective; every rank calls it after the same step): keeps this rank's
// shard, then each rank in rank order broadcasts its shard (BroadcastBytes; the
// Communicator has no point-to-point op) and only the buddy keeps it. A barrier follows,
// and only after it are steps older than the newest `keep_steps` dropped: once any rank
// drops step s, every rank holds step s + 1 whole, so a pod lost at any moment leaves a
// complete set of some held step unless `keep_steps` is 1.
//
// RecoverFromReplicas (collective; every rank calls it before training, in a new
// generation): the ranks broadcast what they hold; the newest step S of which every rank's
// shard is held somewhere, newer than rank 0's newest committed disk step (and equal to
// `required_step` when that is set), is chosen identically by all; the lowest holder of
// each shard of S broadcasts it, and every rank loads S (LoadFromReplicas: the same
// verification as the disk loader). The ranks agree on success through an AllReduce:
// nullopt (use the disk checkpoint) unless every rank loaded S.
//
// Errors: InvalidArgument for a topology that does not fit the world size; the
// Communicator's errors (a peer died or timed out); ReplicaHolding's errors.
// Thread-safety: as the Communicator's: one call at a time per rank.
#ifndef FLYOVER_WORKER_TRAIN_REPLICA_EXCHANGE_H_
#define FLYOVER_WORKER_TRAIN_REPLICA_EXCHANGE_H_

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "worker/checkpoint/checkpoint_types.h"
#include "worker/comm/communicator.h"
#include "worker/train/replica_holding.h"

namespace flyover::worker {

// OK if `ranks_per_pod` splits `world_size` into at least two pods.
[[nodiscard]] absl::Status CheckReplicaTopology(int world_size, int ranks_per_pod);

// The rank that holds `rank`'s replicas.
int ReplicaBuddyOf(int rank, int world_size, int ranks_per_pod);

struct ShareOptions {
  int ranks_per_pod = 1;
  int keep_steps = 1;  // >= 1: the steps held per rank
};

[[nodiscard]] absl::Status ShareReplica(Communicator& comm, ReplicaHolding& held,
                                        ShardReplica own, const ShareOptions& options);

struct RecoverOptions {
  LoadRequest load;
  // Rank 0's value counts: the newest committed step on disk, if any.
  std::optional<uint64_t> disk_step;
  // Only this step may be recovered (FLYOVER_RESUME_STEP).
  std::optional<uint64_t> required_step;
};

[[nodiscard]] absl::StatusOr<std::optional<RestoredState>> RecoverFromReplicas(
    Communicator& comm, const ReplicaHolding& held, const RecoverOptions& options);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_REPLICA_EXCHANGE_H_
