// Kubernetes Status objects (meta/v1 Status) as kube-apiserver writes them for refused
// requests, and the bridge between them and absl::Status.
//
// Every builder returns the Status object itself, e.g.
//   {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
//    "message":"pods \"x\" not found","reason":"NotFound",
//    "details":{"name":"x","kind":"pods"},"code":404}
// with the message wording, reason, details and HTTP code of the matching constructor in
// k8s.io/apimachinery/pkg/api/errors, because kubectl prints these as they are. Empty
// detail fields are omitted, as Go's omitempty does. The HTTP code is the "code" member
// (HttpCode()); SerializeStatus() writes the members in the server's order.
//
// The semantics libraries report failures as absl::Status values that carry the Status
// object as a payload (ToAbslStatus); the HTTP layer turns any absl::Status back into a
// Status object with StatusFromAbsl, which prefers the payload and otherwise maps the code:
//
//   absl code                       HTTP  reason
//   NotFound                        404   NotFound
//   AlreadyExists                   409   AlreadyExists
//   Aborted, FailedPrecondition     409   Conflict
//   InvalidArgument                 400   BadRequest
//   OutOfRange                      410   Expired
//   ResourceExhausted               429   TooManyRequests
//   Unimplemented                   405   MethodNotAllowed
//   PermissionDenied                403   Forbidden
//   Unauthenticated                 401   Unauthorized
//   DeadlineExceeded                504   Timeout
//   Unavailable                     503   ServiceUnavailable
//   anything else                   500   InternalError
//
// The payload URL is the one kube/client's GetApiStatus() reads, so an in-process client
// sees the same Status a remote one would. Thread-safety: free functions on values.
#ifndef FLYOVER_APISERVER_SEMANTICS_API_STATUS_BUILDER_H_
#define FLYOVER_APISERVER_SEMANTICS_API_STATUS_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

// Equal to kube::kApiStatusPayloadUrl (kube/client/api_status.h).
inline constexpr char kStatusPayloadUrl[] = "type.flyover.dev/kube.meta.v1.Status";

// The message of a 409 Conflict on a stale resourceVersion.
inline constexpr char kOptimisticLockErrorMessage[] =
    "the object has been modified; please apply your changes to the latest version and try "
    "again";

// The generic message of a 422 the server cannot attribute to a field.
inline constexpr char kUnprocessableEntityMessage[] =
    "the server rejected our request due to an error in our request";

// A resource type: group ("" for the core group) and lower-case plural resource name.
struct GroupResource {
  std::string group;
  std::string resource;

  // "pods", "posttrainingjobs.training.flyover.dev".
  [[nodiscard]] std::string String() const;
  bool operator==(const GroupResource&) const = default;
};

// A kind: group and CamelCase kind.
struct GroupKind {
  std::string group;
  std::string kind;

  // "Pod", "PostTrainingJob.training.flyover.dev".
  [[nodiscard]] std::string String() const;
  bool operator==(const GroupKind&) const = default;
};

// 404: `<resource> "<name>" not found`.
[[nodiscard]] nlohmann::json NotFoundStatus(const GroupResource& resource,
                                            absl::string_view name);
// 409 AlreadyExists: `<resource> "<name>" already exists`.
[[nodiscard]] nlohmann::json AlreadyExistsStatus(const GroupResource& resource,
                                                 absl::string_view name);
// 409 Conflict: `Operation cannot be fulfilled on <resource> "<name>": <reason>`.
[[nodiscard]] nlohmann::json ConflictStatus(const GroupResource& resource,
                                            absl::string_view name, absl::string_view reason);
// 422 Invalid: `<Kind>.<group> "<name>" is invalid: <error>` (several errors as
// "[e1, e2]", duplicates dropped) with one details.causes entry per error.
[[nodiscard]] nlohmann::json InvalidStatus(const GroupKind& kind, absl::string_view name,
                                           const kube::ErrorList& errors);
// 400 BadRequest with `message` as is.
[[nodiscard]] nlohmann::json BadRequestStatus(absl::string_view message);
// 405: `<action> is not supported on resources of kind "<resource>"`.
[[nodiscard]] nlohmann::json MethodNotAllowedStatus(const GroupResource& resource,
                                                    absl::string_view action);
// 410 with reason Gone, and with reason Expired (too old resourceVersion or continue token).
[[nodiscard]] nlohmann::json GoneStatus(absl::string_view message);
[[nodiscard]] nlohmann::json ExpiredStatus(absl::string_view message);
// "too old resource version: <requested> (<oldest>)", the watch cache's Expired message.
[[nodiscard]] std::string TooOldResourceVersionMessage(int64_t requested, int64_t oldest);
// 429 with details.retryAfterSeconds.
[[nodiscard]] nlohmann::json TooManyRequestsStatus(absl::string_view message,
                                                   int32_t retry_after_seconds);
// 413: "Request entity too large: <message>".
[[nodiscard]] nlohmann::json RequestEntityTooLargeStatus(absl::string_view message);
// 415: "the body of the request was in an unknown format - accepted media types include:
// <accepted, comma separated>".
[[nodiscard]] nlohmann::json UnsupportedMediaTypeStatus(
    const std::vector<std::string>& accepted_media_types);
// 406: "only the following media types are accepted: <accepted>".
[[nodiscard]] nlohmann::json NotAcceptableStatus(
    const std::vector<std::string>& accepted_media_types);
// 422 Invalid with kUnprocessableEntityMessage, as the server answers a patch that does
// not apply. `detail` (and `field`, if any) go into one details.causes entry so kubectl
// shows what went wrong.
[[nodiscard]] nlohmann::json UnprocessableEntityStatus(absl::string_view detail,
                                                       absl::string_view field = "");
// 500: "Internal error occurred: <error>", the error also as the one cause.
[[nodiscard]] nlohmann::json InternalErrorStatus(absl::string_view error);
// 403: `<resource> "<name>" is forbidden: <reason>` (without the name part when `name` is
// empty; "forbidden: <reason>" when the resource is empty too).
[[nodiscard]] nlohmann::json ForbiddenStatus(const GroupResource& resource,
                                             absl::string_view name, absl::string_view reason);
// 401 with `reason` as the message ("Unauthorized" when empty, as authentication answers).
[[nodiscard]] nlohmann::json UnauthorizedStatus(absl::string_view reason = "");
// 503 with `message` as is; 504 "Timeout: <message>".
[[nodiscard]] nlohmann::json ServiceUnavailableStatus(absl::string_view message);
[[nodiscard]] nlohmann::json TimeoutStatus(absl::string_view message,
                                           int32_t retry_after_seconds);
// status "Success", as DELETE answers for resources that return no object.
[[nodiscard]] nlohmann::json SuccessStatus(const GroupResource& resource,
                                           absl::string_view name, absl::string_view uid);

// The HTTP code of a Status object: its "code", else 200 for Success and 500 otherwise.
[[nodiscard]] int HttpCode(const nlohmann::json& status);
// The Status as one line of JSON with members in kube-apiserver's order (kind, apiVersion,
// metadata, status, message, reason, details, code). Never throws.
[[nodiscard]] std::string SerializeStatus(const nlohmann::json& status);

// An error absl::Status carrying `status` as payload, with the code its HTTP code maps to
// and its message. OK for a 2xx Status.
[[nodiscard]] absl::Status ToAbslStatus(const nlohmann::json& status);

// InvalidArgument whose message is `detail` (for logs and callers) and whose payload is
// UnprocessableEntityStatus(detail, field): a patch that is well formed but does not apply.
[[nodiscard]] absl::Status UnprocessableEntityError(absl::string_view detail,
                                                    absl::string_view field = "");

// What StatusFromAbsl needs to word a Status like the server: the resource and object
// the request was about. Empty fields fall back to the absl message alone.
struct StatusContext {
  GroupResource resource;
  std::string name;
};

// The Status object for `status` (see the table above); the payload wins when present.
[[nodiscard]] nlohmann::json StatusFromAbsl(const absl::Status& status,
                                            const StatusContext& context = {});

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_API_STATUS_BUILDER_H_
