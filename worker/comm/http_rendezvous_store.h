// HttpRendezvousStore: a RendezvousStore that is a client of the operator's supervision
// endpoint, speaking the protocol of rendezvous_http_protocol.h (PUT/GET
// /v1/jobs/<job>/rendezvous/<generation>/<key>, bearer token).
//
// Wait long-polls: for each missing key it sends GET ?wait_ms=<long_poll> (cut to the time
// left), which the server holds until the key appears; a 404 answer is simply asked again.
// Transport errors and 5xx answers are retried with exponential backoff (initial_backoff
// doubling to max_backoff) until the timeout; 409 (superseded generation) returns Aborted
// at once, 401/403 return Unauthenticated/PermissionDenied at once.
//
// Set and Get retry transport errors and 5xx answers with the same backoff for up to
// `retry_for`, then return the last Unavailable: an operator failover leaves the endpoint
// unanswered until the new leader holds it (a lease duration and a little more), and a
// rank should ride that out rather than fail its step. Each attempt is bounded by
// connect_timeout + request_timeout.
//
// Ownership: the Clock in the options is not owned and must outlive the store.
// Thread-safety: safe to call from many threads at once; every request uses its own
// connection.
#ifndef FLYOVER_WORKER_COMM_HTTP_RENDEZVOUS_STORE_H_
#define FLYOVER_WORKER_COMM_HTTP_RENDEZVOUS_STORE_H_

#include <memory>
#include <string>

#include "common/clock.h"
#include "worker/comm/rendezvous_store.h"

namespace flyover::worker {

struct HttpRendezvousStoreOptions {
  // "http://host:port" (or "https://..."): the supervision endpoint. Required.
  std::string endpoint;
  RendezvousScope scope;
  // Sent as "Authorization: Bearer <token>"; empty sends no Authorization header.
  std::string bearer_token;
  // TCP connect timeout of every request.
  absl::Duration connect_timeout = absl::Seconds(2);
  // Read/write timeout of every request; a long poll adds its own wait on top.
  absl::Duration request_timeout = absl::Seconds(10);
  // How long one GET of Wait asks the server to hold it.
  absl::Duration long_poll = absl::Seconds(5);
  // How long Set and Get keep retrying transport errors and 5xx answers (0: one attempt).
  absl::Duration retry_for = absl::Seconds(30);
  // Retry backoff after a transport error or 5xx.
  absl::Duration initial_backoff = absl::Milliseconds(10);
  absl::Duration max_backoff = absl::Seconds(1);
  // nullptr: RealClock(). Measures Wait's timeout and paces its backoff.
  Clock* clock = nullptr;
};

class HttpRendezvousStore final : public RendezvousStore {
 public:
  // InvalidArgument for a bad scope, an endpoint that is not http(s)://host[:port], or
  // non-positive timeouts.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<HttpRendezvousStore>> Create(
      HttpRendezvousStoreOptions options);

  const RendezvousScope& scope() const override { return options_.scope; }
  absl::Status Set(absl::string_view key, absl::string_view value) override;
  absl::StatusOr<std::string> Get(absl::string_view key) override;
  absl::Status Wait(absl::Span<const std::string> keys, absl::Duration timeout) override;

 private:
  explicit HttpRendezvousStore(HttpRendezvousStoreOptions options)
      : options_(std::move(options)) {}

  // One GET, holding up to `wait` at the server when positive. NotFound if unset.
  absl::StatusOr<std::string> GetOnce(absl::string_view key, absl::Duration wait);
  absl::Status SetOnce(absl::string_view key, absl::string_view value);
  // Runs `attempt` until it returns something other than Unavailable, or `retry_for` ran
  // out (then its last Unavailable), sleeping the backoff between attempts.
  template <typename Result, typename Attempt>
  Result RetryUnavailable(const Attempt& attempt);
  absl::Status WaitForKey(const std::string& key, absl::Time deadline, absl::Duration timeout);

  const HttpRendezvousStoreOptions options_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_COMM_HTTP_RENDEZVOUS_STORE_H_
