#include "worker/agent/http_supervision_client.h"

#include <httplib.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/comm/http_client.h"
#include "worker/comm/rendezvous_http_protocol.h"

namespace flyover::worker {
namespace {

std::unique_ptr<httplib::Client> NewClient(const HttpSupervisionClientOptions& options,
                                           absl::Duration extra_read_time) {
  return NewHttpClient({.endpoint = options.endpoint,
                        .bearer_token = options.bearer_token,
                        .connect_timeout = options.connect_timeout,
                        .request_timeout = options.request_timeout},
                       extra_read_time);
}

absl::Status TransportError(const httplib::Result& result, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("supervision endpoint: ", what, ": ", httplib::to_string(result.error())));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpSupervisionClient>> HttpSupervisionClient::Create(
    HttpSupervisionClientOptions options) {
  if ((!absl::StartsWith(options.endpoint, "http://") &&
       !absl::StartsWith(options.endpoint, "https://")) ||
      !httplib::Client(options.endpoint).is_valid()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "FLYOVER_SUPERVISION_URL: \"", options.endpoint, "\" must be http(s)://host[:port]"));
  }
  if (options.job.empty()) return absl::InvalidArgumentError("FLYOVER_JOB: must not be empty");
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.request_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("supervision client: timeouts must be positive");
  }
  return std::unique_ptr<HttpSupervisionClient>(new HttpSupervisionClient(std::move(options)));
}

absl::StatusOr<std::string> HttpSupervisionClient::FetchRankTable(absl::Duration wait) {
  std::string path = absl::StrCat("/v1/jobs/", options_.job, "/ranktable");
  const int64_t wait_ms = absl::ToInt64Milliseconds(wait);
  if (wait_ms > 0) absl::StrAppend(&path, "?wait_ms=", wait_ms);
  httplib::Result result = NewClient(options_, wait)->Get(path);
  if (!result) return TransportError(result, absl::StrCat("GET ", path));
  if (result->status == 200) return std::move(result->body);
  return rendezvous_http::StatusForHttpCode(result->status, result->body);
}

absl::StatusOr<std::vector<Command>> HttpSupervisionClient::SendHeartbeat(
    const Heartbeat& heartbeat) {
  const std::string path = absl::StrCat("/v1/jobs/", options_.job, "/heartbeats");
  httplib::Result result = NewClient(options_, absl::ZeroDuration())
                               ->Post(path, EncodeHeartbeat(heartbeat), "application/json");
  if (!result) return TransportError(result, absl::StrCat("POST ", path));
  if (result->status != 200) {
    return rendezvous_http::StatusForHttpCode(result->status, result->body);
  }
  absl::StatusOr<std::vector<Command>> commands = DecodeCommands(result->body);
  if (!commands.ok()) {
    return absl::UnavailableError(
        absl::StrCat("supervision endpoint: heartbeat answer: ", commands.status().message()));
  }
  return commands;
}

}  // namespace flyover::worker
