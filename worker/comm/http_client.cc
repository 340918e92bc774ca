#include "worker/comm/http_client.h"

#include <algorithm>
#include <cstdint>
#include <ctime>

namespace flyover::worker {
namespace {

// Splits a duration into the (seconds, microseconds) pair httplib's setters take.
template <typename Setter>
void SetTimeout(absl::Duration timeout, Setter setter) {
  const int64_t micros = std::max<int64_t>(absl::ToInt64Microseconds(timeout), 1000);
  setter(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

}  // namespace

std::unique_ptr<httplib::Client> NewHttpClient(const HttpClientOptions& options,
                                               absl::Duration extra_read_time) {
  auto client = std::make_unique<httplib::Client>(options.endpoint);
  SetTimeout(options.connect_timeout,
             [&](time_t s, time_t us) { client->set_connection_timeout(s, us); });
  SetTimeout(options.request_timeout + extra_read_time,
             [&](time_t s, time_t us) { client->set_read_timeout(s, us); });
  SetTimeout(options.request_timeout,
             [&](time_t s, time_t us) { client->set_write_timeout(s, us); });
  client->set_keep_alive(false);
  if (!options.bearer_token.empty()) client->set_bearer_token_auth(options.bearer_token);
  return client;
}

}  // namespace flyover::worker
