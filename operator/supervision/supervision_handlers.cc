#include "operator/supervision/supervision_handlers.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "worker/comm/rendezvous_http_protocol.h"

namespace flyover::op::internal {
namespace {

constexpr char kJsonType[] = "application/json";

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

absl::StatusOr<absl::Duration> LongPollWait(const httplib::Request& request, absl::Duration cap) {
  if (!request.has_param("wait_ms")) return absl::ZeroDuration();
  const std::string text = request.get_param_value("wait_ms");
  int64_t wait_ms = 0;
  if (!absl::SimpleAtoi(text, &wait_ms) || wait_ms < 0) {
    return absl::InvalidArgumentError(absl::StrCat("wait_ms: Invalid value: \"", text, "\""));
  }
  return std::min(absl::Milliseconds(wait_ms), cap);
}

}  // namespace

void ReplyError(const absl::Status& status, httplib::Response& response) {
  response.status = worker::rendezvous_http::HttpCodeForStatus(status);
  response.set_content(nlohmann::json{{"error", std::string(status.message())}}.dump(), kJsonType);
}

bool Admit(const HandlerContext& context, const std::string& job, const httplib::Request& request,
           httplib::Response& response) {
  if (!context.is_leader()) {
    ReplyError(absl::UnavailableError("leader: this replica is not the leader"), response);
    return false;
  }
  const std::optional<std::string> token = context.registry->Token(job);
  if (!token.has_value()) {
    ReplyError(absl::NotFoundError(absl::StrCat("job: \"", job, "\" is not known")), response);
    return false;
  }
  if (token->empty() || !ConstantTimeEquals(request.get_header_value("Authorization"),
                                            absl::StrCat("Bearer ", *token))) {
    response.set_header("WWW-Authenticate", "Bearer");
    ReplyError(absl::UnauthenticatedError("Authorization: missing or wrong bearer token"),
               response);
    return false;
  }
  return true;
}

void HandleRankTable(const HandlerContext& context, const httplib::Request& request,
                     httplib::Response& response) {
  const std::string job = request.matches[1];
  if (!Admit(context, job, request, response)) return;
  absl::StatusOr<absl::Duration> wait = LongPollWait(request, context.max_long_poll);
  if (!wait.ok()) return ReplyError(wait.status(), response);
  SupervisionRegistry& registry = *context.registry;
  absl::StatusOr<nlohmann::json> table =
      registry.AwaitRankTable(job, registry.clock()->Now() + *wait);
  if (!table.ok()) return ReplyError(table.status(), response);
  response.set_content(table->dump(), kJsonType);
}

void HandleHeartbeat(const HandlerContext& context, const httplib::Request& request,
                     httplib::Response& response) {
  const std::string job = request.matches[1];
  if (!Admit(context, job, request, response)) return;
  absl::StatusOr<Heartbeat> heartbeat = ParseHeartbeat(request.body);
  if (!heartbeat.ok()) return ReplyError(heartbeat.status(), response);
  absl::StatusOr<std::vector<Command>> commands =
      context.registry->RecordHeartbeat(job, *heartbeat);
  if (!commands.ok()) return ReplyError(commands.status(), response);
  response.set_content(EncodeCommands(*commands).dump(), kJsonType);
}

void ForwardRendezvous(const HandlerContext& context, const httplib::Request& request,
                       httplib::Response& response) {
  const std::string job = request.matches[1];
  if (!Admit(context, job, request, response)) return;
  httplib::Client upstream("127.0.0.1", context.rendezvous_port);
  const int64_t read_seconds = absl::ToInt64Seconds(context.max_long_poll) + 10;
  upstream.set_read_timeout(static_cast<time_t>(read_seconds), 0);
  const httplib::Headers headers = {
      {"Authorization", absl::StrCat("Bearer ", context.internal_token)}};
  std::string path = request.path;
  if (request.has_param("wait_ms")) {
    absl::StrAppend(&path, "?wait_ms=",
                    httplib::detail::encode_query_param(request.get_param_value("wait_ms")));
  }
  httplib::Result result =
      request.method == "PUT"
          ? upstream.Put(path, headers, request.body, "application/octet-stream")
          : (request.method == "DELETE" ? upstream.Delete(path, headers)
                                        : upstream.Get(path, headers));
  if (!result) {
    response.status = 503;
    response.set_content("rendezvous: the embedded server did not answer", "text/plain");
    return;
  }
  response.status = result->status;
  response.set_content(result->body, result->get_header_value("Content-Type"));
}

}  // namespace flyover::op::internal
