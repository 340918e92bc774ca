#include "kube/client/api_status.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t IntField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : 0;
}

StatusDetails DetailsFromJson(const json& value) {
  StatusDetails details;
  details.name = StringField(value, "name");
  details.group = StringField(value, "group");
  details.kind = StringField(value, "kind");
  details.uid = StringField(value, "uid");
  details.retry_after_seconds = IntField(value, "retryAfterSeconds");
  if (auto it = value.find("causes"); it != value.end() && it->is_array()) {
    for (const json& cause : *it) {
      if (!cause.is_object()) continue;
      details.causes.push_back(StatusCause{StringField(cause, "reason"),
                                           StringField(cause, "message"),
                                           StringField(cause, "field")});
    }
  }
  return details;
}

// The reason client-go's NewGenericServerResponse gives a bare HTTP code.
const char* ReasonForHttpCode(int http_code) {
  switch (http_code) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return "Unknown";
  }
}

std::string SafeDump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

ApiStatus ApiStatus::FromJson(const json& value) {
  ApiStatus status;
  if (!value.is_object()) return status;
  status.status = StringField(value, "status");
  status.message = StringField(value, "message");
  status.reason = StringField(value, "reason");
  status.code = static_cast<int32_t>(IntField(value, "code"));
  if (auto it = value.find("details"); it != value.end() && it->is_object()) {
    status.details = DetailsFromJson(*it);
  }
  return status;
}

json ApiStatus::ToJson() const {
  json out = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}};
  if (!status.empty()) out["status"] = status;
  if (!message.empty()) out["message"] = message;
  if (!reason.empty()) out["reason"] = reason;
  if (code != 0) out["code"] = code;
  if (details.has_value()) {
    json d = json::object();
    if (!details->name.empty()) d["name"] = details->name;
    if (!details->group.empty()) d["group"] = details->group;
    if (!details->kind.empty()) d["kind"] = details->kind;
    if (!details->uid.empty()) d["uid"] = details->uid;
    if (details->retry_after_seconds != 0) d["retryAfterSeconds"] = details->retry_after_seconds;
    for (const StatusCause& cause : details->causes) {
      json c = json::object();
      if (!cause.type.empty()) c["reason"] = cause.type;
      if (!cause.message.empty()) c["message"] = cause.message;
      if (!cause.field.empty()) c["field"] = cause.field;
      d["causes"].push_back(std::move(c));
    }
    out["details"] = std::move(d);
  }
  return out;
}

bool IsStatusObject(const json& value) {
  return value.is_object() && StringField(value, "kind") == "Status";
}

absl::StatusCode CodeForApiStatus(int http_code, absl::string_view reason) {
  if (http_code >= 200 && http_code < 300) return absl::StatusCode::kOk;
  switch (http_code) {
    case 400: case 406: case 413: case 415: case 422:
      return absl::StatusCode::kInvalidArgument;
    case 401: return absl::StatusCode::kUnauthenticated;
    case 403: return absl::StatusCode::kPermissionDenied;
    case 404: return absl::StatusCode::kNotFound;
    case 405: return absl::StatusCode::kUnimplemented;
    case 409:
      return reason == "AlreadyExists" ? absl::StatusCode::kAlreadyExists
                                       : absl::StatusCode::kAborted;
    case 410: return absl::StatusCode::kOutOfRange;
    case 429: return absl::StatusCode::kUnavailable;
    case 504: return absl::StatusCode::kDeadlineExceeded;
    default: break;
  }
  if (http_code >= 500 && http_code < 600) return absl::StatusCode::kUnavailable;
  // Status objects inside watch streams sometimes carry only a reason.
  if (reason == "Expired" || reason == "Gone") return absl::StatusCode::kOutOfRange;
  if (reason == "NotFound") return absl::StatusCode::kNotFound;
  if (reason == "Conflict") return absl::StatusCode::kAborted;
  if (reason == "Timeout") return absl::StatusCode::kDeadlineExceeded;
  return absl::StatusCode::kUnknown;
}

absl::Status ToAbslStatus(const ApiStatus& status) {
  absl::StatusCode code = CodeForApiStatus(status.code, status.reason);
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  std::string message = status.message.empty()
                            ? absl::StrCat(status.reason.empty() ? "Unknown" : status.reason,
                                           " (HTTP ", status.code, ")")
                            : status.message;
  absl::Status result(code, message);
  result.SetPayload(kApiStatusPayloadUrl, absl::Cord(SafeDump(status.ToJson())));
  return result;
}

absl::Status StatusFromHttpResponse(int http_code, absl::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  ApiStatus status;
  if (IsStatusObject(parsed)) {
    status = ApiStatus::FromJson(parsed);
    if (status.code == 0) status.code = http_code;
  } else {
    status.status = "Failure";
    status.code = http_code;
    status.reason = ReasonForHttpCode(http_code);
    std::string text(body.substr(0, 256));
    status.message = text.empty()
                         ? absl::StrCat("the server responded with HTTP ", http_code)
                         : absl::StrCat("the server responded with HTTP ", http_code, ": ", text);
  }
  if (status.code >= 200 && status.code < 300) status.code = http_code;
  return ToAbslStatus(status);
}

std::optional<ApiStatus> GetApiStatus(const absl::Status& status) {
  auto payload = status.GetPayload(kApiStatusPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  json parsed = json::parse(std::string(*payload), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  return ApiStatus::FromJson(parsed);
}

namespace {

bool HasReason(const absl::Status& status, absl::string_view reason, int code) {
  std::optional<ApiStatus> api = GetApiStatus(status);
  if (!api.has_value()) return false;
  return api->reason == reason || (api->reason.empty() && api->code == code);
}

}  // namespace

bool IsConflict(const absl::Status& status) {
  std::optional<ApiStatus> api = GetApiStatus(status);
  if (api.has_value()) return api->code == 409 && api->reason != "AlreadyExists";
  return absl::IsAborted(status);
}

bool IsGoneOrExpired(const absl::Status& status) {
  std::optional<ApiStatus> api = GetApiStatus(status);
  if (api.has_value()) {
    return api->code == 410 || api->reason == "Expired" || api->reason == "Gone";
  }
  return absl::IsOutOfRange(status);
}

bool IsInvalid(const absl::Status& status) { return HasReason(status, "Invalid", 422); }

bool IsTooManyRequests(const absl::Status& status) {
  return HasReason(status, "TooManyRequests", 429);
}

}  // namespace flyover::kube
