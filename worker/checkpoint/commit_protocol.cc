#include "worker/checkpoint/commit_protocol.h"

#include <algorithm>
#include <array>
#include <exception>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status.h"
#include "nlohmann/json.hpp"
#include "worker/checkpoint/checkpoint_loader.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/shard_format.h"

namespace flyover::worker {

using nlohmann::json;

std::string EncodePhaseReport(const PhaseReport& report) {
  json j{{"code", static_cast<int>(report.status.code())},
         {"message", std::string(report.status.message())}};
  if (report.shard.has_value()) j["shard"] = EncodeShardInfo(*report.shard);
  return j.dump();
}

absl::StatusOr<PhaseReport> DecodePhaseReport(absl::string_view text) {
  const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError("phase report is not valid JSON");
  PhaseReport report;
  try {
    report.status = absl::Status(static_cast<absl::StatusCode>(j.at("code").get<int>()),
                                 j.at("message").get<std::string>());
    if (j.contains("shard")) {
      ASSIGN_OR_RETURN(report.shard, ParseShardInfo(j.at("shard").get<std::string>()));
    }
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("phase report: ", e.what()));
  }
  return report;
}

absl::Status PrepareStepDir(FileSystem& fs, absl::string_view root, uint64_t step) {
  const std::string dir = StepDirPath(root, step);
  ASSIGN_OR_RETURN(const bool exists, fs.FileExists(dir));
  if (exists) {
    const absl::Status verified = CheckpointLoader(&fs, std::string(root)).VerifyStep(step);
    if (verified.ok()) {
      return absl::AlreadyExistsError(
          absl::StrCat("checkpoint step ", step, " is already committed in ", dir));
    }
    // Anything but "not committed" or "corrupt" (an I/O error, a newer format) is kept.
    if (!absl::IsNotFound(verified) && !absl::IsDataLoss(verified)) return verified;
    RETURN_IF_ERROR(fs.DeleteDirRecursively(dir));
  }
  RETURN_IF_ERROR(fs.CreateDirs(dir));
  return fs.SyncDir(root);
}

absl::StatusOr<ShardInfo> WriteShardFile(FileSystem& fs, absl::string_view dir, int rank,
                                         int world_size, ElementRange range,
                                         absl::string_view body, size_t chunk_bytes) {
  ShardInfo info{.rank = rank, .file = ShardFileName(rank, world_size), .range = range};
  const std::string path = absl::StrCat(dir, "/", info.file);
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.NewWritableFile(path));
  // Each chunk is checksummed just before it is appended, while it is still in cache.
  uint32_t crc = 0;
  for (size_t at = 0; at < body.size(); at += chunk_bytes) {
    const absl::string_view part = body.substr(at, chunk_bytes);
    crc = Crc32(crc, part);
    RETURN_IF_ERROR(file->Append(part));
  }
  const std::array<char, kShardTrailerBytes> trailer = EncodeShardTrailer(crc);
  const absl::string_view trailer_view(trailer.data(), trailer.size());
  RETURN_IF_ERROR(file->Append(trailer_view));
  RETURN_IF_ERROR(file->Sync());
  RETURN_IF_ERROR(file->Close());
  RETURN_IF_ERROR(fs.SyncDir(dir));
  info.bytes = body.size() + trailer.size();
  info.crc32 = Crc32(crc, trailer_view);
  return info;
}

absl::Status WriteManifest(FileSystem& fs, absl::string_view dir, const Manifest& manifest) {
  return WriteFileAtomically(fs, absl::StrCat(dir, "/", kManifestFileName),
                             EncodeManifest(manifest));
}

namespace {

// Whether `step` under `root` is committed: its manifest parses. nullopt when that cannot
// be told (an unknown version, an I/O error), in which case retention leaves it alone.
std::optional<bool> IsCommitted(FileSystem& fs, absl::string_view root, uint64_t step) {
  const std::string path = absl::StrCat(StepDirPath(root, step), "/", kManifestFileName);
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (absl::IsNotFound(text.status())) return false;
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<Manifest> manifest = ParseManifest(*text, path);
  if (manifest.ok()) return true;
  if (absl::IsDataLoss(manifest.status())) return false;
  return std::nullopt;
}

}  // namespace

absl::Status ApplyRetention(FileSystem& fs, absl::string_view root, uint64_t committed_step,
                            int keep) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> steps, ListStepDirs(fs, root));
  absl::Status first_error;
  int committed_kept = 1;  // committed_step itself
  for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
    if (*it >= committed_step) continue;
    const std::optional<bool> committed = IsCommitted(fs, root, *it);
    if (!committed.has_value()) continue;
    if (*committed && committed_kept < keep) {
      ++committed_kept;
      continue;
    }
    const std::string dir = StepDirPath(root, *it);
    absl::Status status;
    if (*committed) status = fs.DeleteFile(absl::StrCat(dir, "/", kManifestFileName));
    if (status.ok()) status = fs.DeleteDirRecursively(dir);
    if (first_error.ok()) first_error = status;
  }
  return first_error;
}

}  // namespace flyover::worker
