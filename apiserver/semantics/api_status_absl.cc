// The absl::Status side of api_status_builder.h: HTTP codes, serialisation in the server's
// member order, and the mapping in both directions.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/cord.h"
#include "apiserver/semantics/api_status_builder.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// Copies the listed members of `from` that exist, in the listed order.
ordered_json Ordered(const json& from, std::initializer_list<const char*> members) {
  ordered_json out = ordered_json::object();
  for (const char* member : members) {
    auto it = from.find(member);
    if (it == from.end()) continue;
    out[member] = ordered_json::parse(kube::DumpJson(*it), nullptr, /*allow_exceptions=*/false);
  }
  return out;
}

ordered_json OrderedDetails(const json& details) {
  ordered_json out =
      Ordered(details, {"name", "group", "kind", "uid", "causes", "retryAfterSeconds"});
  if (out.contains("causes") && out["causes"].is_array()) {
    ordered_json causes = ordered_json::array();
    for (const json& cause : details["causes"]) {
      causes.push_back(cause.is_object() ? Ordered(cause, {"reason", "message", "field"})
                                         : ordered_json(nullptr));
    }
    out["causes"] = std::move(causes);
  }
  return out;
}

absl::StatusCode AbslCodeForHttp(int code, const std::string& reason) {
  switch (code) {
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
    case 429: return absl::StatusCode::kResourceExhausted;
    case 503: return absl::StatusCode::kUnavailable;
    case 504: return absl::StatusCode::kDeadlineExceeded;
    default: break;
  }
  return absl::StatusCode::kInternal;
}

std::optional<json> PayloadStatus(const absl::Status& status) {
  auto payload = status.GetPayload(kStatusPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  json parsed = json::parse(std::string(*payload), nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || parsed.value("kind", json()) != "Status") return std::nullopt;
  return parsed;
}

std::string MessageOf(const json& status) {
  auto it = status.find("message");
  return it != status.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string ReasonOf(const json& status) {
  auto it = status.find("reason");
  return it != status.end() && it->is_string() ? it->get<std::string>() : std::string();
}

json Generic(int code, const char* reason, const std::string& message) {
  return {{"kind", "Status"}, {"apiVersion", "v1"},     {"metadata", json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

}  // namespace

int HttpCode(const json& status) {
  if (status.is_object()) {
    auto code = status.find("code");
    if (code != status.end() && code->is_number_integer()) return code->get<int>();
    auto result = status.find("status");
    if (result != status.end() && *result == "Success") return 200;
  }
  return 500;
}

std::string SerializeStatus(const json& status) {
  if (!status.is_object()) return kube::DumpJson(status);
  ordered_json out = Ordered(
      status, {"kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"});
  if (out.contains("details") && out["details"].is_object()) {
    out["details"] = OrderedDetails(status["details"]);
  }
  return out.dump(-1, ' ', /*ensure_ascii=*/false, ordered_json::error_handler_t::replace);
}

absl::Status ToAbslStatus(const json& status) {
  const int code = HttpCode(status);
  if (code >= 200 && code < 300) return absl::OkStatus();
  absl::Status result(AbslCodeForHttp(code, ReasonOf(status)), MessageOf(status));
  result.SetPayload(kStatusPayloadUrl, absl::Cord(kube::DumpJson(status)));
  return result;
}

absl::Status UnprocessableEntityError(absl::string_view detail, absl::string_view field) {
  absl::Status result(absl::StatusCode::kInvalidArgument, detail);
  result.SetPayload(kStatusPayloadUrl,
                    absl::Cord(kube::DumpJson(UnprocessableEntityStatus(detail, field))));
  return result;
}

json StatusFromAbsl(const absl::Status& status, const StatusContext& context) {
  if (status.ok()) return SuccessStatus(context.resource, context.name, "");
  if (std::optional<json> payload = PayloadStatus(status)) return *std::move(payload);
  const std::string message(status.message());
  const bool named = !context.resource.resource.empty() && !context.name.empty();
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return named ? NotFoundStatus(context.resource, context.name)
                   : Generic(404, "NotFound", message);
    case absl::StatusCode::kAlreadyExists:
      return named ? AlreadyExistsStatus(context.resource, context.name)
                   : Generic(409, "AlreadyExists", message);
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return named ? ConflictStatus(context.resource, context.name, message)
                   : Generic(409, "Conflict", message);
    case absl::StatusCode::kInvalidArgument: return BadRequestStatus(message);
    case absl::StatusCode::kOutOfRange: return ExpiredStatus(message);
    case absl::StatusCode::kResourceExhausted: return TooManyRequestsStatus(message, 1);
    case absl::StatusCode::kUnimplemented: return Generic(405, "MethodNotAllowed", message);
    case absl::StatusCode::kPermissionDenied:
      return ForbiddenStatus(context.resource, context.name, message);
    case absl::StatusCode::kUnauthenticated: return UnauthorizedStatus(message);
    case absl::StatusCode::kDeadlineExceeded: return TimeoutStatus(message, 0);
    case absl::StatusCode::kUnavailable: return ServiceUnavailableStatus(message);
    default: break;
  }
  return InternalErrorStatus(message);
}

}  // namespace flyover::apiserver
