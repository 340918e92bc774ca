// The one storage error that is not a plain absl status code: "expired".
//
// A read or watch that needs history the compactor has already discarded fails with
// ExpiredError(): a list continue token whose snapshot revision is older than the compacted
// revision (the HTTP layer answers 410 Expired), or a watch from a resourceVersion older than
// the retained history (410 Gone, "too old resource version"). Either way the client must
// re-list. The storage uses StatusCode::kOutOfRange for this and for nothing else, so
// IsExpired() is just a code check; the message says which revision was asked for and which is
// the oldest still available.
//
// Every other error follows common/status.h: InvalidArgument (bad key, value, option or token;
// the message names the field), NotFound, AlreadyExists, Aborted (a resourceVersion
// precondition failed: 409 Conflict), ResourceExhausted (a watcher's queue overflowed, or the
// disk is full), Unavailable (the store is closing or SQLite is busy/failing: retry),
// DeadlineExceeded (a write was not acknowledged in time: it may still be applied), DataLoss
// (the database file is corrupt).
//
// Thread-safety: pure functions.
#ifndef FLYOVER_APISERVER_STORAGE_ERRORS_H_
#define FLYOVER_APISERVER_STORAGE_ERRORS_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace flyover::apiserver::storage {

// "<what> <requested> is older than the oldest available revision <oldest>: re-list".
inline absl::Status ExpiredError(absl::string_view what, int64_t requested, int64_t oldest) {
  return absl::OutOfRangeError(absl::StrCat(
      what, " ", requested, " is older than the oldest available revision ", oldest, ": re-list"));
}

inline bool IsExpired(const absl::Status& status) {
  return status.code() == absl::StatusCode::kOutOfRange;
}

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_ERRORS_H_
