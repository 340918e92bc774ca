// ShardAssembler: turns a manifest and its shards into a RestoredState for one rank of a
// possibly different world size (resharding by global element range). It verifies every
// shard before copying a byte of it: size and CRC-32 against the manifest, the shard's own
// trailer, and every header field against the manifest. The file loader and the in-memory
// replica loader share it, so both apply the same checks.
//
// Usage: Create, Add every rank's shard (any order, one at a time, so only one shard need be
// in memory), Finish. Thread-safety: none; one thread at a time.
#ifndef FLYOVER_WORKER_CHECKPOINT_SHARD_ASSEMBLER_H_
#define FLYOVER_WORKER_CHECKPOINT_SHARD_ASSEMBLER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/checkpoint/checkpoint_types.h"
#include "worker/checkpoint/manifest.h"
#include "worker/checkpoint/shard_format.h"

namespace flyover::worker {

// Verifies `bytes` as the shard of saved rank `rank` named by `manifest` (size and CRC
// against the manifest, the trailer, every header field) and returns its view. `name` (a
// path) starts every error. DataLoss if it is corrupt or does not match; InvalidArgument
// for an unknown shard version or a rank the manifest does not have.
[[nodiscard]] absl::StatusOr<ShardView> VerifyShard(const Manifest& manifest, int rank,
                                                    absl::string_view bytes,
                                                    absl::string_view name);

class ShardAssembler {
 public:
  // `manifest` must pass ValidateManifest. InvalidArgument if `request` names a rank
  // outside its world size or an optimizer range outside [0, num_elements).
  [[nodiscard]] static absl::StatusOr<ShardAssembler> Create(const Manifest& manifest,
                                                             const LoadRequest& request,
                                                             std::string source);

  // VerifyShard, then copies what the request needs.
  [[nodiscard]] absl::Status Add(int rank, absl::string_view bytes, absl::string_view name);

  // The assembled state. FailedPrecondition if some rank's shard was not added.
  [[nodiscard]] absl::StatusOr<RestoredState> Finish() &&;

 private:
  ShardAssembler() = default;

  Manifest manifest_;
  RestoredState state_;
  std::vector<bool> added_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_SHARD_ASSEMBLER_H_
