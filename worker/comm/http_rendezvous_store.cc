#include "worker/comm/http_rendezvous_store.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include <httplib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/comm/http_client.h"
#include "worker/comm/rendezvous_http_protocol.h"

namespace flyover::worker {
namespace {

std::unique_ptr<httplib::Client> NewClient(const HttpRendezvousStoreOptions& options,
                                           absl::Duration extra_read_time) {
  return NewHttpClient({.endpoint = options.endpoint,
                        .bearer_token = options.bearer_token,
                        .connect_timeout = options.connect_timeout,
                        .request_timeout = options.request_timeout},
                       extra_read_time);
}

absl::Status TransportError(const httplib::Result& result, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("rendezvous endpoint: ", what, ": ", httplib::to_string(result.error())));
}

bool Retryable(const absl::Status& status) { return absl::IsUnavailable(status); }

const absl::Status& StatusOf(const absl::Status& status) { return status; }
const absl::Status& StatusOf(const absl::StatusOr<std::string>& result) {
  return result.status();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpRendezvousStore>> HttpRendezvousStore::Create(
    HttpRendezvousStoreOptions options) {
  RETURN_IF_ERROR(ValidateScope(options.scope));
  if (!absl::StartsWith(options.endpoint, "http://") &&
      !absl::StartsWith(options.endpoint, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rendezvous endpoint \"", options.endpoint, "\" must be http://host:port or https://..."));
  }
  if (!httplib::Client(options.endpoint).is_valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("rendezvous endpoint \"", options.endpoint, "\" is not a valid URL"));
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.request_timeout <= absl::ZeroDuration() ||
      options.long_poll < absl::ZeroDuration() || options.retry_for < absl::ZeroDuration() ||
      options.initial_backoff <= absl::ZeroDuration() ||
      options.max_backoff < options.initial_backoff) {
    return absl::InvalidArgumentError(
        "rendezvous client: timeouts must be positive and initial_backoff <= max_backoff");
  }
  if (options.clock == nullptr) options.clock = RealClock();
  return std::unique_ptr<HttpRendezvousStore>(new HttpRendezvousStore(std::move(options)));
}

template <typename Result, typename Attempt>
Result HttpRendezvousStore::RetryUnavailable(const Attempt& attempt) {
  Clock& clock = *options_.clock;
  const absl::Time give_up = clock.Now() + options_.retry_for;
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    Result result = attempt();
    if (!absl::IsUnavailable(StatusOf(result)) || clock.Now() + backoff > give_up) {
      return result;
    }
    clock.SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

absl::Status HttpRendezvousStore::Set(absl::string_view key, absl::string_view value) {
  RETURN_IF_ERROR(ValidateRendezvousKey(key));
  RETURN_IF_ERROR(ValidateRendezvousValue(value));
  return RetryUnavailable<absl::Status>([&] { return SetOnce(key, value); });
}

absl::Status HttpRendezvousStore::SetOnce(absl::string_view key, absl::string_view value) {
  const std::string path = rendezvous_http::KeyPath(options_.scope, key);
  httplib::Result result = NewClient(options_, absl::ZeroDuration())
                               ->Put(path, value.data(), value.size(),
                                     rendezvous_http::kValueContentType);
  if (!result) return TransportError(result, absl::StrCat("PUT ", path));
  if (result->status == 200 || result->status == 204) return absl::OkStatus();
  return rendezvous_http::StatusForHttpCode(result->status, result->body);
}

absl::StatusOr<std::string> HttpRendezvousStore::Get(absl::string_view key) {
  RETURN_IF_ERROR(ValidateRendezvousKey(key));
  return RetryUnavailable<absl::StatusOr<std::string>>(
      [&] { return GetOnce(key, absl::ZeroDuration()); });
}

absl::StatusOr<std::string> HttpRendezvousStore::GetOnce(absl::string_view key,
                                                        absl::Duration wait) {
  std::string path = rendezvous_http::KeyPath(options_.scope, key);
  const int64_t wait_ms = absl::ToInt64Milliseconds(wait);
  if (wait_ms > 0) absl::StrAppend(&path, "?", rendezvous_http::kWaitParam, "=", wait_ms);
  httplib::Result result = NewClient(options_, wait)->Get(path);
  if (!result) return TransportError(result, absl::StrCat("GET ", path));
  if (result->status == 200) return std::move(result->body);
  return rendezvous_http::StatusForHttpCode(result->status, result->body);
}

absl::Status HttpRendezvousStore::Wait(absl::Span<const std::string> keys,
                                       absl::Duration timeout) {
  for (const std::string& key : keys) RETURN_IF_ERROR(ValidateRendezvousKey(key));
  const absl::Time deadline = options_.clock->Now() + timeout;
  for (const std::string& key : keys) RETURN_IF_ERROR(WaitForKey(key, deadline, timeout));
  return absl::OkStatus();
}

absl::Status HttpRendezvousStore::WaitForKey(const std::string& key, absl::Time deadline,
                                             absl::Duration timeout) {
  Clock& clock = *options_.clock;
  absl::Duration backoff = options_.initial_backoff;
  absl::Status last_error;
  while (true) {
    const absl::Duration left = deadline - clock.Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(absl::StrCat(
          "rendezvous key ", options_.scope.KeyPrefix(), key, " not set within ",
          absl::FormatDuration(timeout), last_error.ok() ? "" : "; last error: ",
          last_error.ok() ? "" : last_error.ToString()));
    }
    const absl::Duration poll = std::min(left, options_.long_poll);
    const absl::Time start = clock.Now();
    absl::StatusOr<std::string> value = GetOnce(key, poll);
    if (value.ok()) return absl::OkStatus();
    if (absl::IsNotFound(value.status())) {
      // A long poll that ran its course is simply repeated. A 404 well before the poll
      // ended means the server does not hold requests (or long_poll is zero): poll with
      // backoff instead of spinning.
      if (clock.Now() - start >= poll / 2 && poll > absl::ZeroDuration()) continue;
    } else if (!Retryable(value.status())) {
      return value.status();
    } else {
      last_error = value.status();
    }
    clock.SleepFor(std::min(backoff, deadline - clock.Now()));
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace flyover::worker
