// The filesystem steps of one checkpoint commit and the reports ranks exchange between
// them (docs/design/checkpoint.md, "Commit protocol"). CheckpointWriter sequences them;
// they are separate so each step is small and testable.
//
// Thread-safety: free functions; as thread-safe as the FileSystem.
#ifndef FLYOVER_WORKER_CHECKPOINT_COMMIT_PROTOCOL_H_
#define FLYOVER_WORKER_CHECKPOINT_COMMIT_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"
#include "worker/checkpoint/checkpoint_types.h"
#include "worker/checkpoint/manifest.h"

namespace flyover::worker {

// One rank's outcome of a commit phase: its status and, after writing, its shard.
struct PhaseReport {
  absl::Status status;
  std::optional<ShardInfo> shard;
};
std::string EncodePhaseReport(const PhaseReport& report);
// InvalidArgument if `text` is not a report.
[[nodiscard]] absl::StatusOr<PhaseReport> DecodePhaseReport(absl::string_view text);

// Rank 0's first step. If `step` is already committed and verifies, AlreadyExists and
// nothing changes: rewriting it in place would leave a moment with no committed copy of
// that step. Otherwise removes a leftover directory for `step` (a failed attempt, or a
// corrupt commit a resumed run has come back to), creates it afresh and fsyncs `root`.
// A leftover that cannot be judged (an I/O error, a newer format) is not deleted: its
// error is returned.
[[nodiscard]] absl::Status PrepareStepDir(FileSystem& fs, absl::string_view root, uint64_t step);

// Writes `body` (a shard without its trailer, from EncodeShardBody) and its trailer to
// `dir`/ShardFileName(rank, world_size) in appends of at most `chunk_bytes`, computing the
// CRC on the way; then fsyncs and closes the file and fsyncs `dir`. Returns the shard as
// the manifest records it.
[[nodiscard]] absl::StatusOr<ShardInfo> WriteShardFile(FileSystem& fs, absl::string_view dir,
                                                       int rank, int world_size,
                                                       ElementRange range,
                                                       absl::string_view body,
                                                       size_t chunk_bytes);

// Commits: writes `dir`/MANIFEST.json with WriteFileAtomically.
[[nodiscard]] absl::Status WriteManifest(FileSystem& fs, absl::string_view dir,
                                         const Manifest& manifest);

// Retention after `committed_step` committed under `root`: among steps below it, deletes
// every directory that is not committed (no manifest, or one that does not parse) and
// every committed one but the newest keep - 1, so `keep` committed checkpoints remain.
// A committed step loses its manifest first, then the directory. Steps at or above
// `committed_step` and manifests of unknown versions are left alone. Returns the first
// error after attempting every deletion.
[[nodiscard]] absl::Status ApplyRetention(FileSystem& fs, absl::string_view root,
                                          uint64_t committed_step, int keep);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_CHECKPOINT_COMMIT_PROTOCOL_H_
