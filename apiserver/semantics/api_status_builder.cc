#include "apiserver/semantics/api_status_builder.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

json Failure(int code, absl::string_view reason, absl::string_view message) {
  json status = {{"kind", "Status"},
                 {"apiVersion", "v1"},
                 {"metadata", json::object()},
                 {"status", "Failure"},
                 {"code", code}};
  if (!message.empty()) status["message"] = std::string(message);
  if (!reason.empty()) status["reason"] = std::string(reason);
  return status;
}

// StatusDetails with Go's omitempty: only the members that are set.
json Details(const GroupResource& resource, absl::string_view name) {
  json details = json::object();
  if (!name.empty()) details["name"] = std::string(name);
  if (!resource.group.empty()) details["group"] = resource.group;
  if (!resource.resource.empty()) details["kind"] = resource.resource;
  return details;
}

json WithDetails(json status, json details) {
  status["details"] = std::move(details);
  return status;
}

// The metav1.CauseType for a field error type, as field.ErrorType names them.
const char* CauseReason(kube::FieldErrorType type) {
  switch (type) {
    case kube::FieldErrorType::kRequired: return "FieldValueRequired";
    case kube::FieldErrorType::kNotSupported: return "FieldValueNotSupported";
    case kube::FieldErrorType::kDuplicate: return "FieldValueDuplicate";
    case kube::FieldErrorType::kForbidden: return "FieldValueForbidden";
    case kube::FieldErrorType::kTooLong: return "FieldValueTooLong";
    case kube::FieldErrorType::kInvalid:
    case kube::FieldErrorType::kUnknownField: break;
  }
  return "FieldValueInvalid";
}

// field.Error.ErrorBody(): the error without its "<field>: " prefix.
std::string ErrorBody(const kube::FieldError& error) {
  std::string text = error.ToString();
  const size_t prefix = error.field.size() + 2;
  return text.size() >= prefix ? text.substr(prefix) : text;
}

std::string AcceptedList(const std::vector<std::string>& accepted) {
  return absl::StrJoin(accepted, ", ");
}

}  // namespace

std::string GroupResource::String() const {
  return group.empty() ? resource : absl::StrCat(resource, ".", group);
}

std::string GroupKind::String() const {
  return group.empty() ? kind : absl::StrCat(kind, ".", group);
}

json NotFoundStatus(const GroupResource& resource, absl::string_view name) {
  return WithDetails(
      Failure(404, "NotFound", absl::StrCat(resource.String(), " \"", name, "\" not found")),
      Details(resource, name));
}

json AlreadyExistsStatus(const GroupResource& resource, absl::string_view name) {
  return WithDetails(Failure(409, "AlreadyExists",
                             absl::StrCat(resource.String(), " \"", name, "\" already exists")),
                     Details(resource, name));
}

json ConflictStatus(const GroupResource& resource, absl::string_view name,
                    absl::string_view reason) {
  return WithDetails(Failure(409, "Conflict",
                             absl::StrCat("Operation cannot be fulfilled on ", resource.String(),
                                          " \"", name, "\": ", reason)),
                     Details(resource, name));
}

json InvalidStatus(const GroupKind& kind, absl::string_view name,
                   const kube::ErrorList& errors) {
  json causes = json::array();
  std::vector<std::string> messages;
  std::set<std::string> seen;
  for (const kube::FieldError& error : errors.errors()) {
    json cause = {{"reason", CauseReason(error.type)}, {"message", ErrorBody(error)}};
    if (!error.field.empty()) cause["field"] = error.field;
    causes.push_back(std::move(cause));
    std::string line = error.ToString();
    if (seen.insert(line).second) messages.push_back(std::move(line));
  }
  std::string message = absl::StrCat(kind.String(), " \"", name, "\" is invalid");
  if (messages.size() == 1) absl::StrAppend(&message, ": ", messages[0]);
  if (messages.size() > 1) absl::StrAppend(&message, ": [", absl::StrJoin(messages, ", "), "]");
  json details = Details(GroupResource{kind.group, kind.kind}, name);
  if (!causes.empty()) details["causes"] = std::move(causes);
  return WithDetails(Failure(422, "Invalid", message), std::move(details));
}

json BadRequestStatus(absl::string_view message) {
  return Failure(400, "BadRequest", message);
}

json MethodNotAllowedStatus(const GroupResource& resource, absl::string_view action) {
  return WithDetails(
      Failure(405, "MethodNotAllowed",
              absl::StrCat(action, " is not supported on resources of kind \"",
                           resource.String(), "\"")),
      Details(resource, ""));
}

json GoneStatus(absl::string_view message) { return Failure(410, "Gone", message); }

json ExpiredStatus(absl::string_view message) { return Failure(410, "Expired", message); }

std::string TooOldResourceVersionMessage(int64_t requested, int64_t oldest) {
  return absl::StrCat("too old resource version: ", requested, " (", oldest, ")");
}

json TooManyRequestsStatus(absl::string_view message, int32_t retry_after_seconds) {
  json details = json::object();
  if (retry_after_seconds != 0) details["retryAfterSeconds"] = retry_after_seconds;
  return WithDetails(Failure(429, "TooManyRequests", message), std::move(details));
}

json RequestEntityTooLargeStatus(absl::string_view message) {
  return Failure(413, "RequestEntityTooLarge",
                 absl::StrCat("Request entity too large: ", message));
}

json UnsupportedMediaTypeStatus(const std::vector<std::string>& accepted_media_types) {
  return Failure(415, "UnsupportedMediaType",
                 absl::StrCat("the body of the request was in an unknown format - accepted "
                              "media types include: ",
                              AcceptedList(accepted_media_types)));
}

json NotAcceptableStatus(const std::vector<std::string>& accepted_media_types) {
  return Failure(406, "NotAcceptable",
                 absl::StrCat("only the following media types are accepted: ",
                              AcceptedList(accepted_media_types)));
}

json UnprocessableEntityStatus(absl::string_view detail, absl::string_view field) {
  json details = json::object();
  if (!detail.empty()) {
    json cause = {{"reason", "FieldValueInvalid"}, {"message", std::string(detail)}};
    if (!field.empty()) cause["field"] = std::string(field);
    details["causes"] = json::array({std::move(cause)});
  }
  return WithDetails(Failure(422, "Invalid", kUnprocessableEntityMessage), std::move(details));
}

json InternalErrorStatus(absl::string_view error) {
  json details = {{"causes", json::array({{{"message", std::string(error)}}})}};
  return WithDetails(
      Failure(500, "InternalError", absl::StrCat("Internal error occurred: ", error)),
      std::move(details));
}

json ForbiddenStatus(const GroupResource& resource, absl::string_view name,
                     absl::string_view reason) {
  std::string message;
  if (resource.resource.empty()) {
    message = absl::StrCat("forbidden: ", reason);
  } else if (name.empty()) {
    message = absl::StrCat(resource.String(), " is forbidden: ", reason);
  } else {
    message = absl::StrCat(resource.String(), " \"", name, "\" is forbidden: ", reason);
  }
  return WithDetails(Failure(403, "Forbidden", message), Details(resource, name));
}

json UnauthorizedStatus(absl::string_view reason) {
  return Failure(401, "Unauthorized", reason.empty() ? "Unauthorized" : reason);
}

json ServiceUnavailableStatus(absl::string_view message) {
  return Failure(503, "ServiceUnavailable", message);
}

json TimeoutStatus(absl::string_view message, int32_t retry_after_seconds) {
  json details = json::object();
  if (retry_after_seconds != 0) details["retryAfterSeconds"] = retry_after_seconds;
  return WithDetails(Failure(504, "Timeout", absl::StrCat("Timeout: ", message)),
                     std::move(details));
}

json SuccessStatus(const GroupResource& resource, absl::string_view name,
                   absl::string_view uid) {
  json details = Details(resource, name);
  if (!uid.empty()) details["uid"] = std::string(uid);
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", json::object()},
          {"status", "Success"},
          {"details", std::move(details)}};
}

}  // namespace flyover::apiserver
