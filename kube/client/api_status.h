// The Kubernetes API's error object (meta/v1 Status) and its mapping to absl::Status.
//
// When kube-apiserver refuses a request it answers with a Status body:
//   {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","code":409,
//    "message":"Operation cannot be fulfilled on ...","details":{"name":"a","kind":"pods"}}
// StatusFromHttpResponse() turns such an answer into an absl::Status whose code says what
// the caller should do (STYLE.md), and keeps the server's object in a payload so callers
// can still read reason, code, message and details through GetApiStatus():
//
//   HTTP / reason                      absl code           caller should
//   404 NotFound                       NotFound            treat as absent
//   409 AlreadyExists                  AlreadyExists       treat as present
//   409 Conflict (stale RV)            Aborted             re-read and retry the reconcile
//   410 Gone / Expired                 OutOfRange          relist (IsGoneOrExpired)
//   400 BadRequest, 422 Invalid, 413,  InvalidArgument     stop and report
//     415, 406
//   401 Unauthorized                   Unauthenticated     fix credentials
//   403 Forbidden                      PermissionDenied    fix RBAC
//   405 MethodNotAllowed               Unimplemented       stop
//   429 TooManyRequests, 500, 502,     Unavailable         back off and retry the call
//     503, other 5xx
//   504 Timeout                        DeadlineExceeded    the server timed out
//
// The same mapping applies to Status objects that arrive inside a watch stream as ERROR
// events (ToAbslStatus). Thread-safety: plain values and free functions.
#ifndef FLYOVER_KUBE_CLIENT_API_STATUS_H_
#define FLYOVER_KUBE_CLIENT_API_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// The payload URL under which an absl::Status carries the server's Status (as JSON).
inline constexpr char kApiStatusPayloadUrl[] = "type.flyover.dev/kube.meta.v1.Status";

struct StatusCause {
  std::string type;     // "FieldValueInvalid", ...
  std::string message;
  std::string field;    // "spec.replicas"

  bool operator==(const StatusCause&) const = default;
};

struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
  std::string uid;
  std::vector<StatusCause> causes;
  int64_t retry_after_seconds = 0;

  bool operator==(const StatusDetails&) const = default;
};

// A meta/v1 Status. Fields the server omitted are empty / zero.
struct ApiStatus {
  std::string status;   // "Success" or "Failure"
  std::string message;
  std::string reason;   // "NotFound", "AlreadyExists", "Conflict", "Expired", ...
  int32_t code = 0;     // the HTTP status code
  std::optional<StatusDetails> details;

  // Lenient decoding: wrong-typed fields are skipped, never an error.
  static ApiStatus FromJson(const nlohmann::json& value);
  [[nodiscard]] nlohmann::json ToJson() const;

  bool operator==(const ApiStatus&) const = default;
};

// Whether `value` looks like a Status object (kind "Status").
[[nodiscard]] bool IsStatusObject(const nlohmann::json& value);

// The absl code for an HTTP status code and Status reason, per the table above.
[[nodiscard]] absl::StatusCode CodeForApiStatus(int http_code, absl::string_view reason);

// An absl::Status carrying `status` as its payload; the message is the server's message
// (or "<reason> (HTTP <code>)" when it sent none). OK only for a code in [200, 300).
[[nodiscard]] absl::Status ToAbslStatus(const ApiStatus& status);

// The absl::Status for a non-2xx HTTP answer. A Status body is kept as is; any other body
// becomes a synthetic Status (reason from the HTTP code, message from the body's first
// 256 bytes), as client-go does for proxies and load balancers that answer in text.
[[nodiscard]] absl::Status StatusFromHttpResponse(int http_code, absl::string_view body);

// The server's Status carried by `status`, if any.
[[nodiscard]] std::optional<ApiStatus> GetApiStatus(const absl::Status& status);

// Predicates in the style of k8s.io/apimachinery/pkg/api/errors. They read the payload
// first and fall back to the absl code. NotFound and AlreadyExists have codes of their
// own: absl::IsNotFound() and absl::IsAlreadyExists() answer those.
// A 409 that is not AlreadyExists: an optimistic-concurrency conflict.
[[nodiscard]] bool IsConflict(const absl::Status& status);
// 410 Gone / reason Expired or Gone: the resourceVersion or continue token is too old.
[[nodiscard]] bool IsGoneOrExpired(const absl::Status& status);
[[nodiscard]] bool IsInvalid(const absl::Status& status);
[[nodiscard]] bool IsTooManyRequests(const absl::Status& status);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_API_STATUS_H_
