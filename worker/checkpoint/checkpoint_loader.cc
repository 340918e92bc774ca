#include "worker/checkpoint/checkpoint_loader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/shard_assembler.h"

namespace flyover::worker {

CheckpointLoader::CheckpointLoader(FileSystem* fs, std::string root)
    : fs_(*fs), root_(std::move(root)) {}

absl::StatusOr<Manifest> CheckpointLoader::ReadManifest(uint64_t step) {
  const std::string path = absl::StrCat(StepDirPath(root_, step), "/", kManifestFileName);
  absl::StatusOr<std::string> text = fs_.ReadFile(path);
  if (absl::IsNotFound(text.status())) {
    return absl::NotFoundError(absl::StrCat(path, ": not committed (no manifest)"));
  }
  if (!text.ok()) return text.status();
  return ParseManifest(*text, path);
}

absl::StatusOr<std::vector<uint64_t>> CheckpointLoader::CommittedSteps() {
  ASSIGN_OR_RETURN(std::vector<uint64_t> steps, ListStepDirs(fs_, root_));
  std::vector<uint64_t> committed;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    absl::StatusOr<Manifest> manifest = ReadManifest(*it);
    if (manifest.ok()) {
      committed.push_back(*it);
    } else if (!absl::IsNotFound(manifest.status()) && !absl::IsDataLoss(manifest.status())) {
      return manifest.status();
    }
  }
  return committed;
}

absl::Status CheckpointLoader::VerifyStep(uint64_t step) {
  ASSIGN_OR_RETURN(const Manifest manifest, ReadManifest(step));
  const std::string dir = StepDirPath(root_, step);
  for (const ShardInfo& shard : manifest.shards) {
    const std::string path = absl::StrCat(dir, "/", shard.file);
    ASSIGN_OR_RETURN(const std::string bytes, ReadShard(path));
    RETURN_IF_ERROR(VerifyShard(manifest, shard.rank, bytes, path).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CheckpointLoader::ReadShard(const std::string& path) {
  absl::StatusOr<std::string> bytes = fs_.ReadFile(path);
  if (absl::IsNotFound(bytes.status())) {
    return absl::DataLossError(absl::StrCat(path, ": listed in the manifest but missing"));
  }
  return bytes;
}

absl::StatusOr<RestoredState> CheckpointLoader::LoadStep(uint64_t step,
                                                         const LoadRequest& request) {
  ASSIGN_OR_RETURN(const Manifest manifest, ReadManifest(step));
  const std::string dir = StepDirPath(root_, step);
  ASSIGN_OR_RETURN(ShardAssembler assembler, ShardAssembler::Create(manifest, request, dir));
  for (const ShardInfo& shard : manifest.shards) {
    const std::string path = absl::StrCat(dir, "/", shard.file);
    ASSIGN_OR_RETURN(const std::string bytes, ReadShard(path));
    RETURN_IF_ERROR(assembler.Add(shard.rank, bytes, path));
  }
  return std::move(assembler).Finish();
}

absl::StatusOr<RestoredState> CheckpointLoader::LoadLatest(const LoadRequest& request) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> steps, ListStepDirs(fs_, root_));
  std::vector<std::string> failures;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    absl::StatusOr<RestoredState> state = LoadStep(*it, request);
    if (state.ok()) {
      if (!failures.empty()) {
        log::Logger("checkpoint").Warn("resuming from an older checkpoint",
                                       {{"step", *it}, {"skipped", failures.size()}});
      }
      return state;
    }
    if (absl::IsNotFound(state.status())) continue;  // not committed: a write in progress
    if (!absl::IsDataLoss(state.status())) return state.status();
    log::Logger("checkpoint").Warn("skipping corrupt checkpoint",
                                   {{"step", *it}, {"error", state.status()}});
    failures.push_back(std::string(state.status().message()));
  }
  if (failures.empty()) {
    return absl::NotFoundError(absl::StrCat("no committed checkpoint under ", root_));
  }
  return absl::DataLossError(
      absl::StrCat("no intact checkpoint under ", root_, ": ", absl::StrJoin(failures, "; ")));
}

}  // namespace flyover::worker
