// Names and paths inside a checkpoint root (docs/design/checkpoint.md):
//
//   <root>/step-000000000200/shard-00003-of-00004.bin
//   <root>/step-000000000200/MANIFEST.json
//
// Thread-safety: free functions; ListStepDirs is as thread-safe as the FileSystem.
#ifndef FLYOVER_WORKER_CHECKPOINT_LAYOUT_H_
#define FLYOVER_WORKER_CHECKPOINT_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"

namespace flyover::worker {

inline constexpr absl::string_view kManifestFileName = "MANIFEST.json";

// "step-" and the step zero-padded to 12 digits.
std::string StepDirName(uint64_t step);
// The step of a directory named exactly StepDirName(step); nullopt for any other name.
std::optional<uint64_t> ParseStepDirName(absl::string_view name);
// "<root>/<StepDirName(step)>".
std::string StepDirPath(absl::string_view root, uint64_t step);
// "shard-00003-of-00004.bin".
std::string ShardFileName(int rank, int world_size);

// The steps of every entry of `root` named like a step directory, ascending; whether they
// are committed is not checked. Empty if `root` does not exist.
[[nodiscard]] absl::StatusOr<std::vector<uint64_t>> ListStepDirs(FileSystem& fs,
                                                                 absl::string_view root);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_LAYOUT_H_
