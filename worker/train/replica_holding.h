// ReplicaHolding: the shard replicas one rank holds for cross-pod recovery (issue 8): its
// own latest shards and those its buddy ranks in another pod sent it, keyed by
// (rank, step). They are kept in memory and, when a directory is given, mirrored there
// file by file, so that they outlive the rank process: RestartInPlace stops every rank of
// every pod, and the survivors' replicas must still be there when the ranks come back.
// The directory is meant to live exactly as long as the pod (a memory-backed emptyDir or
// the pod's /dev/shm), so losing the pod loses its replicas and nothing else does.
//
// Files: <dir>/shard-<rank>-<step>-<crc32>.bin holding the shard file's bytes, written to
// a temporary name and renamed. Open() reads back every such file; unreadable or
// misnamed files are skipped (loading verifies the bytes and their CRC anyway).
//
// Errors: InvalidArgument for bad options; the file system's errors otherwise.
// Ownership: borrows the FileSystem. Thread-safety: thread-compatible.
#ifndef FLYOVER_WORKER_TRAIN_REPLICA_HOLDING_H_
#define FLYOVER_WORKER_TRAIN_REPLICA_HOLDING_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/file_system.h"
#include "worker/checkpoint/in_memory_replica.h"

namespace flyover::worker {

struct ReplicaHoldingOptions {
  std::string job;       // required; the replicas' job
  std::string dir;       // empty: memory only (nothing outlives the holding)
  FileSystem* fs = nullptr;  // required when `dir` is set
};

class ReplicaHolding {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<ReplicaHolding>> Open(
      const ReplicaHoldingOptions& options);

  // Keeps `replica` (replacing one with the same rank and step) and writes its file.
  [[nodiscard]] absl::Status Put(ShardReplica replica);
  // Drops every replica of a step below `oldest_kept`, with its file.
  [[nodiscard]] absl::Status DropStepsBefore(uint64_t oldest_kept);
  // Drops everything (the job finished).
  [[nodiscard]] absl::Status Clear();

  // The (rank, step) pairs held, in ascending order.
  std::vector<std::pair<int, uint64_t>> Inventory() const;
  // The replica of (rank, step), or null.
  std::shared_ptr<const ShardReplica> Find(int rank, uint64_t step) const;
  const std::string& job() const { return options_.job; }

 private:
  using Key = std::pair<int, uint64_t>;  // (rank, step)

  explicit ReplicaHolding(const ReplicaHoldingOptions& options) : options_(options) {}
  absl::Status LoadDir();
  std::string FileOf(const ShardReplica& replica) const;

  const ReplicaHoldingOptions options_;
  std::map<Key, std::shared_ptr<const ShardReplica>> held_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_TRAIN_REPLICA_HOLDING_H_
