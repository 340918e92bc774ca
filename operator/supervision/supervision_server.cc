#include "operator/supervision/supervision_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "operator/job_resources.h"
#include "operator/supervision/supervision_handlers.h"
#include "worker/comm/rendezvous_http_protocol.h"

namespace flyover::op {

struct SupervisionServer::Serving {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> done{false};
};

namespace {

const log::Logger& ServerLog() {
  static const log::Logger* const logger = new log::Logger("supervision-server");
  return *logger;
}

// A port clash must be a Start() error, so no SO_REUSEPORT (httplib's default adds it).
void ReuseAddressOnly(int socket) {
  int yes = 1;
  ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

time_t Seconds(absl::Duration d) { return static_cast<time_t>(absl::ToInt64Seconds(d)); }

bool AwaitAcceptLoop(httplib::Server& server, const std::atomic<bool>& done, absl::Time deadline) {
  while (!server.is_running() && !done.load()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Microseconds(50));
  }
  return true;
}

void Route(httplib::Server& server, const internal::HandlerContext& context) {
  using Handler =
      void (*)(const internal::HandlerContext&, const httplib::Request&, httplib::Response&);
  auto bind = [context](Handler handler) {
    return [context, handler](const httplib::Request& request, httplib::Response& response) {
      handler(context, request, response);
    };
  };
  server.Get(R"(/v1/jobs/([^/]+)/ranktable)", bind(internal::HandleRankTable));
  server.Post(R"(/v1/jobs/([^/]+)/heartbeats)", bind(internal::HandleHeartbeat));
  server.Put(worker::rendezvous_http::kKeyPattern, bind(internal::ForwardRendezvous));
  server.Get(worker::rendezvous_http::kKeyPattern, bind(internal::ForwardRendezvous));
  server.Delete(worker::rendezvous_http::kJobPattern, bind(internal::ForwardRendezvous));
}

}  // namespace

SupervisionServer::SupervisionServer(SupervisionRegistry* registry, std::function<bool()> is_leader,
                                     SupervisionServerOptions options)
    : registry_(registry),
      is_leader_(std::move(is_leader)),
      options_(std::move(options)),
      internal_token_(NewToken()),
      rendezvous_({.bind_address = "127.0.0.1",
                   .port = 0,
                   .bearer_token = internal_token_,
                   .max_long_poll = options_.max_long_poll,
                   .worker_threads = options_.worker_threads,
                   .read_timeout = options_.read_timeout,
                   .write_timeout = options_.write_timeout}) {}

SupervisionServer::~SupervisionServer() { Stop(); }

absl::StatusOr<int> SupervisionServer::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("supervision server was already started");
  if (options_.listen_only_while_leading && options_.port == 0) {
    return absl::InvalidArgumentError(
        "supervision server: port must be fixed (not 0) with listen_only_while_leading");
  }
  started_ = true;
  absl::StatusOr<int> rendezvous_port = rendezvous_.Start();
  if (!rendezvous_port.ok()) return rendezvous_port.status();
  rendezvous_port_ = *rendezvous_port;
  if (options_.listen_only_while_leading) {
    port_ = options_.port;
    return port_;
  }
  int port = 0;
  absl::StatusOr<std::unique_ptr<Serving>> serving = Serve(options_.port, &port);
  if (!serving.ok()) {
    rendezvous_.Stop();
    return serving.status();
  }
  serving_ = *std::move(serving);
  port_ = port;
  return port;
}

absl::StatusOr<std::unique_ptr<SupervisionServer::Serving>> SupervisionServer::Serve(
    int port, int* bound_port) {
  auto serving = std::make_unique<Serving>();
  httplib::Server& server = serving->server;
  const size_t threads = static_cast<size_t>(std::max(1, options_.worker_threads));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_socket_options(ReuseAddressOnly);
  server.set_read_timeout(Seconds(options_.read_timeout), 0);
  server.set_write_timeout(Seconds(options_.write_timeout), 0);
  Route(server, {.registry = registry_,
                 .is_leader = is_leader_,
                 .max_long_poll = options_.max_long_poll,
                 .rendezvous_port = rendezvous_port_,
                 .internal_token = internal_token_});
  *bound_port = port == 0 ? server.bind_to_any_port(options_.bind_address)
                          : (server.bind_to_port(options_.bind_address, port) ? port : -1);
  if (*bound_port <= 0) {
    return absl::UnavailableError(absl::StrCat("supervision server: cannot bind ",
                                               options_.bind_address, ":", port));
  }
  Serving* raw = serving.get();
  serving->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  AwaitAcceptLoop(server, serving->done, absl::Now() + absl::Seconds(5));
  ServerLog().Info("supervision server listening",
                   {{"address", options_.bind_address}, {"port", *bound_port}});
  return serving;
}

absl::StatusOr<bool> SupervisionServer::TryListen() {
  absl::MutexLock lock(&mu_);
  if (!options_.listen_only_while_leading) {
    return absl::FailedPreconditionError(
        "supervision server: Listen() needs listen_only_while_leading");
  }
  if (!started_ || stopped_) {
    return absl::FailedPreconditionError("supervision server: Listen() before Start() or after Stop()");
  }
  if (serving_ != nullptr) return true;
  int port = 0;
  absl::StatusOr<std::unique_ptr<Serving>> serving = Serve(options_.port, &port);
  if (!serving.ok()) return false;
  serving_ = *std::move(serving);
  return true;
}

absl::Status SupervisionServer::Listen() {
  const absl::Time give_up = absl::Now() + options_.listen_retry_for;
  for (;;) {
    absl::StatusOr<bool> listening = TryListen();
    if (!listening.ok() || *listening) return listening.status();
    if (absl::Now() >= give_up) {
      return absl::UnavailableError(absl::StrCat(
          "supervision server: ", options_.bind_address, ":", options_.port, " still taken after ",
          absl::FormatDuration(options_.listen_retry_for)));
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
}

bool SupervisionServer::listening() const {
  absl::MutexLock lock(&mu_);
  return serving_ != nullptr;
}

void SupervisionServer::Stop() {
  absl::MutexLock lock(&mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  registry_->Shutdown();  // held rank-table long polls answer 503 now
  rendezvous_.Stop();     // and so do held rendezvous long polls
  if (serving_ != nullptr) {
    AwaitAcceptLoop(serving_->server, serving_->done, absl::InfiniteFuture());
    serving_->server.stop();
    serving_->thread.join();
    serving_.reset();
  }
  port_ = 0;
}

int SupervisionServer::port() const {
  absl::MutexLock lock(&mu_);
  return port_;
}

void SupervisionServer::ForgetRendezvous(const std::string& job) {
  rendezvous_.table().DeleteJob(job);
}

}  // namespace flyover::op
