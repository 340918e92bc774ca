#include "common/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover {
namespace {

// Unique among live writers: the pid separates processes, the counter separates calls
// within one. A leftover from a dead process with a reused pid is simply truncated.
std::string TempPathFor(absl::string_view path) {
  static std::atomic<uint64_t> counter{0};
  return absl::StrCat(path, ".tmp-", ::getpid(), "-", counter.fetch_add(1));
}

absl::Status WriteAndSync(FileSystem& fs, const std::string& path, absl::string_view contents) {
  ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs.NewWritableFile(path));
  RETURN_IF_ERROR(file->Append(contents));
  RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

absl::Status WriteAndRename(FileSystem& fs, const std::string& temp, absl::string_view path,
                            absl::string_view contents) {
  RETURN_IF_ERROR(WriteAndSync(fs, temp, contents));
  return fs.Rename(temp, path);
}

}  // namespace

std::string DirName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

absl::Status WriteFileAtomically(FileSystem& fs, absl::string_view path,
                                 absl::string_view contents) {
  const std::string context = absl::StrCat("write ", path, " atomically");
  const std::string temp = TempPathFor(path);
  if (absl::Status status = WriteAndRename(fs, temp, path, contents); !status.ok()) {
    // Best effort: the error worth reporting is the one that got us here.
    fs.DeleteFile(temp).IgnoreError();
    return Annotate(status, context);
  }
  return Annotate(fs.SyncDir(DirName(path)), context);
}

}  // namespace flyover
