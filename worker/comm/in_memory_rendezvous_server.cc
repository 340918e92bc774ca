#include "worker/comm/in_memory_rendezvous_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>

#include <httplib.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "worker/comm/rendezvous_http_protocol.h"

namespace flyover::worker {

struct InMemoryRendezvousServer::Serving {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> done{false};  // listen_after_bind() has returned
};

namespace {

constexpr char kTextContentType[] = "text/plain; charset=utf-8";

const log::Logger& ServerLog() {
  static const log::Logger* const logger = new log::Logger("rendezvous-server");
  return *logger;
}

// A port clash must be a Start() error, so no SO_REUSEPORT (httplib's default adds it).
void ReuseAddressOnly(int socket) {
  int yes = 1;
  ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

template <typename Setter>
void SetServerTimeout(absl::Duration timeout, Setter setter) {
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  setter(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

// Compares in time independent of where the strings differ.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

void ReplyError(const absl::Status& status, httplib::Response& response) {
  response.status = rendezvous_http::HttpCodeForStatus(status);
  response.set_content(std::string(status.message()), kTextContentType);
}

bool Authorized(const std::string& token, const httplib::Request& request,
                httplib::Response& response) {
  if (token.empty()) return true;
  if (ConstantTimeEquals(request.get_header_value("Authorization"),
                         absl::StrCat("Bearer ", token))) {
    return true;
  }
  response.status = 401;
  response.set_header("WWW-Authenticate", "Bearer");
  response.set_content("missing or wrong bearer token", kTextContentType);
  return false;
}

// Job, generation and key from a kKeyPattern match; validated.
absl::Status ParseKeyRequest(const httplib::Request& request, RendezvousScope* scope,
                             std::string* key) {
  scope->job = request.matches[1];
  const std::string generation = request.matches[2];
  *key = request.matches[3];
  if (!absl::SimpleAtoi(generation, &scope->generation)) {
    return absl::InvalidArgumentError(
        absl::StrCat("rendezvous generation \"", generation, "\" is not an integer"));
  }
  RETURN_IF_ERROR(ValidateScope(*scope));
  return ValidateRendezvousKey(*key);
}

// The long-poll wait a GET asks for, capped; zero without the parameter.
absl::StatusOr<absl::Duration> ParseWait(const httplib::Request& request, absl::Duration cap) {
  if (!request.has_param(rendezvous_http::kWaitParam)) return absl::ZeroDuration();
  const std::string text = request.get_param_value(rendezvous_http::kWaitParam);
  int64_t wait_ms = 0;
  if (!absl::SimpleAtoi(text, &wait_ms) || wait_ms < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(rendezvous_http::kWaitParam, "=\"", text, "\" is not a count of ms"));
  }
  return std::min(absl::Milliseconds(wait_ms), cap);
}

void HandlePut(RendezvousTable& table, const httplib::Request& request,
               httplib::Response& response) {
  RendezvousScope scope;
  std::string key;
  absl::Status status = ParseKeyRequest(request, &scope, &key);
  if (status.ok()) status = table.Set(scope, key, request.body);
  if (!status.ok()) return ReplyError(status, response);
  response.status = 204;
}

void HandleGet(RendezvousTable& table, absl::Duration max_long_poll,
               const httplib::Request& request, httplib::Response& response) {
  RendezvousScope scope;
  std::string key;
  if (absl::Status status = ParseKeyRequest(request, &scope, &key); !status.ok()) {
    return ReplyError(status, response);
  }
  absl::StatusOr<absl::Duration> wait = ParseWait(request, max_long_poll);
  if (!wait.ok()) return ReplyError(wait.status(), response);
  absl::StatusOr<std::string> value =
      *wait > absl::ZeroDuration()
          ? table.WaitAndGet(scope, key, table.clock()->Now() + *wait)
          : table.Get(scope, key);
  if (!value.ok()) return ReplyError(value.status(), response);
  response.set_content(std::move(*value), rendezvous_http::kValueContentType);
}

void HandleDelete(RendezvousTable& table, const httplib::Request& request,
                  httplib::Response& response) {
  RendezvousScope scope{.job = request.matches[1], .generation = 0};
  if (absl::Status status = ValidateScope(scope); !status.ok()) {
    return ReplyError(status, response);
  }
  table.DeleteJob(scope.job);
  response.status = 204;
}

// httplib offers no "now accepting" signal and stop() is lost before the accept loop runs,
// so Start() and Stop() poll for that moment (it comes within microseconds).
bool AwaitAcceptLoop(httplib::Server& server, const std::atomic<bool>& done,
                     absl::Time deadline) {
  while (!server.is_running() && !done.load()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Microseconds(50));
  }
  return true;
}

}  // namespace

InMemoryRendezvousServer::InMemoryRendezvousServer(InMemoryRendezvousServerOptions options)
    : options_(std::move(options)),
      table_(options_.clock != nullptr ? options_.clock : RealClock()) {}

InMemoryRendezvousServer::~InMemoryRendezvousServer() { Stop(); }

absl::StatusOr<int> InMemoryRendezvousServer::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("rendezvous server was already started");
  started_ = true;
  auto serving = std::make_unique<Serving>();
  httplib::Server& server = serving->server;
  const size_t threads = static_cast<size_t>(std::max(1, options_.worker_threads));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_socket_options(ReuseAddressOnly);
  server.set_payload_max_length(kMaxRendezvousValueBytes);
  SetServerTimeout(options_.read_timeout, [&](time_t s, time_t us) { server.set_read_timeout(s, us); });
  SetServerTimeout(options_.write_timeout,
             [&](time_t s, time_t us) { server.set_write_timeout(s, us); });
  const std::string token = options_.bearer_token;
  const absl::Duration cap = options_.max_long_poll;
  server.Put(rendezvous_http::kKeyPattern, [this, token](const httplib::Request& request,
                                                         httplib::Response& response) {
    if (Authorized(token, request, response)) HandlePut(table_, request, response);
  });
  server.Get(rendezvous_http::kKeyPattern, [this, token, cap](const httplib::Request& request,
                                                              httplib::Response& response) {
    if (Authorized(token, request, response)) HandleGet(table_, cap, request, response);
  });
  server.Delete(rendezvous_http::kJobPattern, [this, token](const httplib::Request& request,
                                                            httplib::Response& response) {
    if (Authorized(token, request, response)) HandleDelete(table_, request, response);
  });
  const int port = options_.port == 0 ? server.bind_to_any_port(options_.bind_address)
                                      : (server.bind_to_port(options_.bind_address, options_.port)
                                             ? options_.port
                                             : -1);
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("rendezvous server: cannot bind ",
                                               options_.bind_address, ":", options_.port));
  }
  Serving* raw = serving.get();
  serving->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  serving_ = std::move(serving);
  if (!AwaitAcceptLoop(server, serving_->done, absl::Now() + options_.start_timeout) ||
      serving_->done.load()) {
    table_.Shutdown();
    AwaitAcceptLoop(serving_->server, serving_->done, absl::InfiniteFuture());
    serving_->server.stop();
    serving_->thread.join();
    serving_.reset();
    return absl::DeadlineExceededError("rendezvous server did not start accepting in time");
  }
  port_ = port;
  ServerLog().Info("rendezvous server listening",
                   {{"address", options_.bind_address}, {"port", port}});
  return port;
}

void InMemoryRendezvousServer::Stop() {
  absl::MutexLock lock(&mu_);
  if (serving_ == nullptr) return;
  table_.Shutdown();  // held long polls answer 503 now instead of holding up stop()
  AwaitAcceptLoop(serving_->server, serving_->done, absl::InfiniteFuture());
  serving_->server.stop();
  serving_->thread.join();
  serving_.reset();
  ServerLog().Info("rendezvous server stopped", {{"port", port_}});
  port_ = 0;
}

std::string InMemoryRendezvousServer::endpoint() const {
  absl::MutexLock lock(&mu_);
  if (port_ == 0) return "";
  return absl::StrCat("http://", options_.bind_address, ":", port_);
}

}  // namespace flyover::worker
