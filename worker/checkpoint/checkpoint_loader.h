// CheckpointLoader: finds the newest committed checkpoint under a root, verifies it whole
// and returns it resharded for the caller's (world size, rank). It never returns torn or
// corrupt data: every shard's size, CRC-32 and header are checked against the manifest
// before any byte is used, and a step that fails is skipped for the next older committed
// one (docs/design/checkpoint.md, "Loading").
//
// Errors, by what the caller should do:
//   NotFound          nothing is committed under the root: start from scratch.
//   DataLoss          steps are committed but none verifies (or, for LoadStep, this one
//                     does not); the message names each file and what is wrong.
//   InvalidArgument   a manifest or shard of a version this build does not know, or a
//                     LoadRequest that does not fit the checkpoint: stop and say why.
//   others            from the FileSystem (e.g. Internal for EIO): retry.
//
// Ownership: does not own `fs`, which must outlive the loader. Thread-safety: stateless
// beyond its constructor arguments; safe to call from many threads if `fs` is.
#ifndef FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_LOADER_H_
#define FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_LOADER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/file_system.h"
#include "worker/checkpoint/checkpoint_types.h"
#include "worker/checkpoint/manifest.h"

namespace flyover::worker {

class CheckpointLoader {
 public:
  CheckpointLoader(FileSystem* fs, std::string root);

  // The steps whose manifest is present and parses, newest first (shards not verified).
  [[nodiscard]] absl::StatusOr<std::vector<uint64_t>> CommittedSteps();

  // The manifest of `step`: NotFound if the step is not committed, DataLoss if the manifest
  // does not parse or validate, InvalidArgument for an unknown version.
  [[nodiscard]] absl::StatusOr<Manifest> ReadManifest(uint64_t step);

  // Verifies every shard of `step` without assembling anything: OK, or the error
  // LoadStep would return for a bad checkpoint (NotFound if not committed).
  [[nodiscard]] absl::Status VerifyStep(uint64_t step);

  // Loads and verifies exactly `step`; no fallback.
  [[nodiscard]] absl::StatusOr<RestoredState> LoadStep(uint64_t step, const LoadRequest& request);

  // Loads the newest committed step that verifies, falling back past corrupt ones.
  [[nodiscard]] absl::StatusOr<RestoredState> LoadLatest(const LoadRequest& request);

 private:
  // The shard at `path`; a missing one is DataLoss, since a manifest names it.
  absl::StatusOr<std::string> ReadShard(const std::string& path);

  FileSystem& fs_;
  const std::string root_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_CHECKPOINT_LOADER_H_
