// Error handling conventions shared by every Flyover module.
//
// Errors are values: functions that can fail return absl::Status or absl::StatusOr<T>.
// No exception crosses a module boundary; adapters around libraries that throw
// (nlohmann_json, yaml-cpp, gloo, Asio) catch and convert at the call site.
//
// Pick the code by what the caller should do (STYLE.md):
//   Unavailable            retry the same call (after backoff)
//   Aborted                retry higher up (a 409 conflict requeues the reconcile)
//   InvalidArgument        stop: the input is wrong; say which field and why
//   FailedPrecondition     stop: the system is not in a state where this can work
//   DeadlineExceeded       a timeout expired; the caller decides whether to retry
//   NotFound / AlreadyExists  as named
#ifndef FLYOVER_COMMON_STATUS_H_
#define FLYOVER_COMMON_STATUS_H_

#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flyover {

// A Status for a failed POSIX call: the code follows errno (ENOENT -> NotFound,
// ENOSPC -> ResourceExhausted, EAGAIN/EINTR -> Unavailable, EEXIST -> AlreadyExists,
// EACCES/EPERM -> PermissionDenied, EINVAL -> InvalidArgument, otherwise Internal), and the
// message reads "<context>: <strerror>".
[[nodiscard]] absl::Status ErrnoToStatus(int error_number, absl::string_view context);

// Returns `status` with "<context>: " put before its message; OK stays OK.
[[nodiscard]] absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace flyover

#define FLYOVER_STATUS_CONCAT_INNER_(a, b) a##b
#define FLYOVER_STATUS_CONCAT_(a, b) FLYOVER_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status); returns it from the enclosing function if not OK.
#define RETURN_IF_ERROR(expr)                                   \
  do {                                                          \
    if (absl::Status _flyover_status = (expr); !_flyover_status.ok()) \
      return _flyover_status;                                   \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, otherwise
// moves the value into `lhs`, which may be a declaration: ASSIGN_OR_RETURN(auto x, F());
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(FLYOVER_STATUS_CONCAT_(_flyover_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // FLYOVER_COMMON_STATUS_H_
