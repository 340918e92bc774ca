// In-memory checkpoint replicas: a rank keeps a copy of another rank's latest shard so a
// job can recover from memory when a pod is lost, without reading storage. How the bytes
// travel between pods is not this library's concern; this is the data structure and the
// loader.
//
// A replica is exactly the shard file's bytes (EncodeShard, or what CheckpointWriter
// writes) plus the CRC-32 its sender computed, kept by (job, rank, step).
// LoadFromReplicas applies the same verification as CheckpointLoader: the recorded CRC,
// the shard's own trailer, every header field against the others, ranges that tile.
//
// Ownership: the store owns its replicas; Get hands out shared, immutable references that
// stay valid after the replica is replaced or evicted. Thread-safety: thread-safe.
#ifndef FLYOVER_WORKER_CHECKPOINT_IN_MEMORY_REPLICA_H_
#define FLYOVER_WORKER_CHECKPOINT_IN_MEMORY_REPLICA_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "worker/checkpoint/checkpoint_types.h"

namespace flyover::worker {

// One rank's shard at one step, held in memory.
struct ShardReplica {
  std::string job;
  int rank = 0;
  uint64_t step = 0;
  std::string bytes;   // the shard file's contents
  uint32_t crc32 = 0;  // of `bytes`, as the sender computed it
};

struct InMemoryReplicaStoreOptions {
  // Steps kept per (job, rank), newest first; older ones are evicted by Put. Two let a
  // complete older set survive while the newest step's replicas are still arriving.
  int steps_per_rank = 2;
};

class InMemoryReplicaStore {
 public:
  explicit InMemoryReplicaStore(InMemoryReplicaStoreOptions options = {});

  // Stores `replica`, replacing one with the same (job, rank, step) and evicting the
  // oldest steps of (job, rank) beyond steps_per_rank. InvalidArgument for an empty job
  // or a negative rank. The bytes are not verified here; loading verifies them.
  [[nodiscard]] absl::Status Put(ShardReplica replica) ABSL_LOCKS_EXCLUDED(mu_);

  // NotFound if no replica of (job, rank, step) is held.
  [[nodiscard]] absl::StatusOr<std::shared_ptr<const ShardReplica>> Get(absl::string_view job,
                                                                        int rank,
                                                                        uint64_t step) const
      ABSL_LOCKS_EXCLUDED(mu_);

  // Every step held for `job` by any rank, newest first.
  std::vector<uint64_t> Steps(absl::string_view job) const ABSL_LOCKS_EXCLUDED(mu_);

  // Drops every replica of `job`.
  void DropJob(absl::string_view job) ABSL_LOCKS_EXCLUDED(mu_);

  // The bytes held, over all replicas.
  uint64_t bytes() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  using Key = std::tuple<std::string, int, uint64_t>;  // (job, rank, step)

  const InMemoryReplicaStoreOptions options_;
  mutable absl::Mutex mu_;
  std::map<Key, std::shared_ptr<const ShardReplica>> replicas_ ABSL_GUARDED_BY(mu_);
};

// Loads the newest step of `job` for which the store holds a complete, verified set of
// replicas (rank 0 to the saved world size - 1), resharded for `request`; older steps
// are tried when a newer set is incomplete or corrupt. NotFound if the store holds
// nothing for `job`; DataLoss if no step's set is complete and intact (the message names
// each replica and what is wrong); InvalidArgument as for CheckpointLoader.
[[nodiscard]] absl::StatusOr<RestoredState> LoadFromReplicas(const InMemoryReplicaStore& store,
                                                             absl::string_view job,
                                                             const LoadRequest& request);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_IN_MEMORY_REPLICA_H_
