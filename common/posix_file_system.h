// PosixFileSystem: the real FileSystem, on POSIX calls (open/write/fsync/rename, and
// open(O_DIRECTORY)+fsync for SyncDir). Writes retry on EINTR and loop over partial
// writes; every file descriptor is opened O_CLOEXEC.
//
// Thread-safety: stateless, so safe to share between threads; the WritableFiles it
// returns are for one thread at a time. Errors: see common/file_system.h.
#ifndef FLYOVER_COMMON_POSIX_FILE_SYSTEM_H_
#define FLYOVER_COMMON_POSIX_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"

namespace flyover {

class PosixFileSystem final : public FileSystem {
 public:
  PosixFileSystem() = default;

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(absl::string_view path) override;
  absl::StatusOr<std::string> ReadFile(absl::string_view path) override;
  absl::Status Rename(absl::string_view from, absl::string_view to) override;
  absl::Status SyncDir(absl::string_view dir) override;
  absl::Status DeleteFile(absl::string_view path) override;
  absl::Status CreateDirs(absl::string_view path) override;
  absl::Status DeleteDirRecursively(absl::string_view path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(absl::string_view dir) override;
  absl::StatusOr<bool> FileExists(absl::string_view path) override;
  absl::StatusOr<uint64_t> FileSize(absl::string_view path) override;
};

// The process-wide PosixFileSystem. Never null, never destroyed; callers do not own it.
// Production code takes a FileSystem& and is handed this; tests hand in a wrapper.
FileSystem* DefaultFileSystem();

}  // namespace flyover

#endif  // FLYOVER_COMMON_POSIX_FILE_SYSTEM_H_
