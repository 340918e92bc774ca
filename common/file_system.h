// The filesystem seam (after leveldb's Env): everything Flyover persists (checkpoint
// manifests, rank tables, device-plugin state) goes through a FileSystem, so tests can
// swap in FaultInjectingFileSystem and walk a write protocol through every failure point.
//
// Implementations: PosixFileSystem (common/posix_file_system.h, the real one) and
// FaultInjectingFileSystem (common/fault_injecting_file_system.h, a wrapper for tests).
//
// Errors: every method returns a Status whose message names the operation and the path
// ("open /a/b for write: No such file or directory"); the code follows errno as in
// ErrnoToStatus (ENOENT -> NotFound, ENOSPC -> ResourceExhausted, ...).
//
// Thread-safety: a FileSystem may be called from many threads at once. A WritableFile is
// used by one thread at a time.
#ifndef FLYOVER_COMMON_FILE_SYSTEM_H_
#define FLYOVER_COMMON_FILE_SYSTEM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover {

// A file open for sequential writing. The owner must call Close() and check its result;
// destroying an unclosed file closes it and drops any error.
class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  virtual ~WritableFile() = default;

  // Appends all of `data` at the end of the file. On error some prefix of `data` may
  // have been written (a torn write).
  [[nodiscard]] virtual absl::Status Append(absl::string_view data) = 0;

  // Flushes the file's data and metadata to stable storage (fsync).
  [[nodiscard]] virtual absl::Status Sync() = 0;

  // Closes the file. Any call after Close() returns FailedPrecondition.
  [[nodiscard]] virtual absl::Status Close() = 0;
};

class FileSystem {
 public:
  FileSystem() = default;
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;
  virtual ~FileSystem() = default;

  // Creates `path`, or truncates it if it exists, and opens it for writing.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      absl::string_view path) = 0;

  // Returns the whole contents of `path`.
  [[nodiscard]] virtual absl::StatusOr<std::string> ReadFile(absl::string_view path) = 0;

  // Atomically replaces `to` with `from` (rename(2)). Durable only after SyncDir of the
  // directory holding `to`.
  [[nodiscard]] virtual absl::Status Rename(absl::string_view from, absl::string_view to) = 0;

  // Flushes the directory entry changes of `dir` (creates, renames, deletes) to stable
  // storage.
  [[nodiscard]] virtual absl::Status SyncDir(absl::string_view dir) = 0;

  // Removes the file `path`; NotFound if it does not exist.
  [[nodiscard]] virtual absl::Status DeleteFile(absl::string_view path) = 0;

  // Creates `path` and any missing parents (mkdir -p); OK if it already is a directory.
  [[nodiscard]] virtual absl::Status CreateDirs(absl::string_view path) = 0;

  // Removes the directory `path` and everything under it; NotFound if it does not exist,
  // FailedPrecondition if it is not a directory.
  [[nodiscard]] virtual absl::Status DeleteDirRecursively(absl::string_view path) = 0;

  // Returns the names (not paths) of the entries of `dir`, without "." and "..", sorted.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> ListDir(absl::string_view dir) = 0;

  // Whether `path` exists (as anything). An error only if that cannot be determined,
  // e.g. PermissionDenied on a parent directory.
  [[nodiscard]] virtual absl::StatusOr<bool> FileExists(absl::string_view path) = 0;

  // The size of the file `path` in bytes.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> FileSize(absl::string_view path) = 0;
};

}  // namespace flyover

#endif  // FLYOVER_COMMON_FILE_SYSTEM_H_
