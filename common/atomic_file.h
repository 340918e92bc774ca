// Crash-safe replacement of a small file (a checkpoint manifest, a rank table): readers
// of `path` see either the old contents or the new, never a mix or a torn prefix.
//
// The protocol is leveldb's SetCurrentFile: write "<path>.tmp-<unique>", fsync it, close
// it, rename it over `path`, fsync the directory holding `path`.
//
// Thread-safety: concurrent calls for different paths are safe; concurrent calls for the
// same path each land whole, and the last rename wins.
#ifndef FLYOVER_COMMON_ATOMIC_FILE_H_
#define FLYOVER_COMMON_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"

namespace flyover {

// Replaces the contents of `path` with `contents` as described above.
//
// Errors: the first failing step's status, annotated with "write <path> atomically".
// On a failure up to and including the rename, `path` is untouched and the temp file is
// removed (best effort: if that removal fails too, as after a crash, a "<path>.tmp-*"
// file stays behind for recovery code to delete). If only the final directory fsync
// fails, `path` already holds the new contents but they are not known to be durable;
// treat that as a failure and retry.
[[nodiscard]] absl::Status WriteFileAtomically(FileSystem& fs, absl::string_view path,
                                               absl::string_view contents);

// The directory holding `path`: "a/b" -> "a", "/a" -> "/", "a" -> ".".
std::string DirName(absl::string_view path);

}  // namespace flyover

#endif  // FLYOVER_COMMON_ATOMIC_FILE_H_
