// FaultInjectingFileSystem: a FileSystem wrapper for tests that fails chosen operations,
// after leveldb's fault_injection_test.cc. The usual pattern walks a write protocol
// through every failure point:
//
//   FaultInjectingFileSystem fs(DefaultFileSystem());
//   ASSERT_TRUE(Protocol(fs).ok());                // 1. count the operations
//   const int64_t syncs = fs.count(FileOp::kSync);
//   for (int64_t n = 1; n <= syncs; ++n) {         // 2. fail each one in turn
//     fs.ClearFaults();
//     fs.FailNth(FileOp::kSync, n);
//     EXPECT_FALSE(Protocol(fs).ok());
//     ... check what the protocol left on disk through the base FileSystem ...
//   }
//
// Rules: at most one rule per FileOp; setting a rule replaces that op's previous rule and
// starts its own count at zero, so "the Nth" means the Nth such operation on this
// filesystem (through any WritableFile) after the rule was set. A failed operation has no
// effect, except a short write, whose first K bytes really land in the file (a torn write).
// Injected errors read "injected fault: <op> <path>: <strerror>", with the code
// ErrnoToStatus gives that errno (EIO -> Internal, ENOSPC -> ResourceExhausted).
//
// Crash mode (set_crash_on_fault(true)): once any rule fires, every later call (reads,
// WritableFile calls and Close included) fails as well, as if the process had died at
// that point; inspect the result through the base FileSystem. Unsynced data is NOT
// dropped: this models a process crash, not a power loss.
//
// Reads (ReadFile, ListDir, FileExists, FileSize) are not counted and have no rules;
// they only fail once crashed.
//
// Ownership: does not own `base`, which must outlive this object and every WritableFile
// it returned. Thread-safety: thread-safe if `base` is; rules, counts and the crashed
// state are guarded by one mutex, and calls into `base` are made without holding it.
#ifndef FLYOVER_COMMON_FAULT_INJECTING_FILE_SYSTEM_H_
#define FLYOVER_COMMON_FAULT_INJECTING_FILE_SYSTEM_H_

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/file_system.h"

namespace flyover {

// The kinds of operation that are counted and can be made to fail.
enum class FileOp {
  kCreate,   // NewWritableFile and CreateDirs
  kAppend,   // WritableFile::Append
  kSync,     // WritableFile::Sync
  kClose,    // WritableFile::Close
  kRename,   // Rename
  kSyncDir,  // SyncDir
  kDelete,   // DeleteFile and DeleteDirRecursively
};
inline constexpr int kNumFileOps = 7;
inline constexpr std::array<FileOp, kNumFileOps> kAllFileOps = {
    FileOp::kCreate, FileOp::kAppend,  FileOp::kSync,  FileOp::kClose,
    FileOp::kRename, FileOp::kSyncDir, FileOp::kDelete};

// "create", "append", "sync", "close", "rename", "sync directory", "delete".
absl::string_view FileOpName(FileOp op);

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem* base);

  // The `n`th `op` (1-based) fails with `error_number`; the others pass through.
  void FailNth(FileOp op, int64_t n, int error_number = EIO);
  // The first `n` `op`s pass through; every later one fails with EIO (n = 0: all fail).
  void FailEveryAfter(FileOp op, int64_t n);
  // The `n`th Append writes only the first `bytes` bytes of its data, then fails with
  // EIO. `bytes` at or above the data's size writes it all and still fails.
  void ShortWriteNth(int64_t n, size_t bytes);
  // The `n`th Append writes nothing and fails with ENOSPC (ResourceExhausted).
  void NoSpaceNth(int64_t n) { FailNth(FileOp::kAppend, n, ENOSPC); }

  void set_crash_on_fault(bool crash);
  // Whether a rule has fired while crash mode was on.
  bool crashed() const;
  // Removes every rule and the crashed state; keeps crash mode and the counts.
  void ClearFaults();

  // How many `op`s were attempted (failed ones included) since construction or the last
  // ResetCounts().
  int64_t count(FileOp op) const;
  void ResetCounts();

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

 private:
  friend class FaultInjectingWritableFile;

  struct Rule {
    int64_t n = 0;
    bool every_after = false;
    int error_number = EIO;
    std::optional<size_t> short_write_bytes;
    int64_t seen = 0;
  };

  // What to do with one operation: `status` OK means pass it through; otherwise fail
  // with `status`, after writing `short_write_bytes` bytes if set.
  struct Verdict {
    absl::Status status;
    std::optional<size_t> short_write_bytes;
  };

  // Counts one `op` on `path` and applies its rule and the crashed state.
  Verdict Admit(FileOp op, absl::string_view path) ABSL_LOCKS_EXCLUDED(mu_);
  // Admit for operations that are never torn.
  absl::Status Check(FileOp op, absl::string_view path) ABSL_LOCKS_EXCLUDED(mu_);
  // Fails once crashed; for the uncounted reads.
  absl::Status CheckNotCrashed(absl::string_view op, absl::string_view path) const
      ABSL_LOCKS_EXCLUDED(mu_);
  void SetRule(FileOp op, Rule rule) ABSL_LOCKS_EXCLUDED(mu_);

  FileSystem* const base_;
  mutable absl::Mutex mu_;
  std::array<std::optional<Rule>, kNumFileOps> rules_ ABSL_GUARDED_BY(mu_);
  std::array<int64_t, kNumFileOps> counts_ ABSL_GUARDED_BY(mu_) = {};
  bool crash_on_fault_ ABSL_GUARDED_BY(mu_) = false;
  bool crashed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover

#endif  // FLYOVER_COMMON_FAULT_INJECTING_FILE_SYSTEM_H_
