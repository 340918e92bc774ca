// HttpSupervisionClient: SupervisionClient over HTTP to the operator's supervision endpoint
// (docs/design/supervision.md section 2), with cpp-httplib:
//   GET  /v1/jobs/<job>/ranktable?wait_ms=N   200 table, 404 not complete (NotFound)
//   POST /v1/jobs/<job>/heartbeats            200 {"commands": [...]}, 409 -> Aborted
// Every request carries "Authorization: Bearer <token>" when a token is set. Status codes
// map as worker/comm/rendezvous_http_protocol.h says (401 -> Unauthenticated, 5xx and
// transport errors -> Unavailable). A 200 whose body does not decode is Unavailable (the
// agent retries with its next heartbeat).
//
// Thread-safety: safe to call from many threads; every request uses its own connection.
#ifndef FLYOVER_WORKER_AGENT_HTTP_SUPERVISION_CLIENT_H_
#define FLYOVER_WORKER_AGENT_HTTP_SUPERVISION_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/agent/supervision_client.h"

namespace flyover::worker {

struct HttpSupervisionClientOptions {
  std::string endpoint;      // FLYOVER_SUPERVISION_URL: http(s)://host:port
  std::string job;           // FLYOVER_JOB
  std::string bearer_token;  // FLYOVER_SUPERVISION_TOKEN; empty: no Authorization header
  absl::Duration connect_timeout = absl::Seconds(2);
  // Read/write timeout of a request; a long poll adds its wait on top.
  absl::Duration request_timeout = absl::Seconds(10);
};

class HttpSupervisionClient final : public SupervisionClient {
 public:
  // InvalidArgument naming the field for an endpoint that is not http(s)://host[:port], an
  // empty job or non-positive timeouts.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpSupervisionClient>> Create(
      HttpSupervisionClientOptions options);

  absl::StatusOr<std::string> FetchRankTable(absl::Duration wait) override;
  absl::StatusOr<std::vector<Command>> SendHeartbeat(const Heartbeat& heartbeat) override;

 private:
  explicit HttpSupervisionClient(HttpSupervisionClientOptions options)
      : options_(std::move(options)) {}

  const HttpSupervisionClientOptions options_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_HTTP_SUPERVISION_CLIENT_H_
