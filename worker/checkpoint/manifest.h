// The manifest: the JSON file written last into a step directory, whose presence commits
// the checkpoint. It names every shard with its size, CRC-32 and the global element range
// it covers, so a loader can verify each shard and re-partition the optimizer state for a
// different world size. Format and rules: docs/design/checkpoint.md.
//
// Thread-safety: plain values and free functions.
#ifndef FLYOVER_WORKER_CHECKPOINT_MANIFEST_H_
#define FLYOVER_WORKER_CHECKPOINT_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/checkpoint/checkpoint_types.h"
#include "worker/checkpoint/shard_format.h"

namespace flyover::worker {

// One rank's shard as the manifest records it.
struct ShardInfo {
  int rank = 0;
  std::string file;  // a name inside the step directory
  uint64_t bytes = 0;
  uint32_t crc32 = 0;  // of the whole file
  ElementRange range;

  friend bool operator==(const ShardInfo&, const ShardInfo&) = default;
};

struct Manifest {
  uint32_t version = kCheckpointFormatVersion;
  uint64_t step = 0;
  int world_size = 0;
  uint64_t num_elements = 0;
  uint64_t lr_schedule_step = 0;
  // shards[r] is rank r's shard.
  std::vector<ShardInfo> shards;

  friend bool operator==(const Manifest&, const Manifest&) = default;
};

// The manifest as JSON, with its own checksum.
std::string EncodeManifest(const Manifest& manifest);

// Parses and validates a manifest read from `path` (used in messages). DataLoss if it is
// not JSON, misses a field, fails its checksum or ValidateManifest; InvalidArgument if its
// format or version is one this build does not know.
[[nodiscard]] absl::StatusOr<Manifest> ParseManifest(absl::string_view text,
                                                     absl::string_view path);

// DataLoss naming `path` unless: world_size >= 1, one shard per rank in rank order, file
// names are plain names, and the ranges sorted by begin tile [0, num_elements) exactly.
[[nodiscard]] absl::Status ValidateManifest(const Manifest& manifest, absl::string_view path);

// The JSON form of ShardInfo, for the commit protocol's reports.
std::string EncodeShardInfo(const ShardInfo& shard);
[[nodiscard]] absl::StatusOr<ShardInfo> ParseShardInfo(absl::string_view text);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_MANIFEST_H_
