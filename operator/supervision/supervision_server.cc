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
  started_ = true;
  absl::StatusOr<int> rendezvous_port = rendezvous_.Start();
  if (!rendezvous_port.ok()) return rendezvous_port.status();
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
                 .rendezvous_port = *rendezvous_port,
                 .internal_token = internal_token_});
  const int port =
      options_.port == 0
          ? server.bind_to_any_port(options_.bind_address)
          : (server.bind_to_port(options_.bind_address, options_.port) ? options_.port : -1);
  if (port <= 0) {
    rendezvous_.Stop();
    return absl::UnavailableError(absl::StrCat("supervision server: cannot bind ",
                                               options_.bind_address, ":", options_.port));
  }
  Serving* raw = serving.get();
  serving->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  AwaitAcceptLoop(server, serving->done, absl::Now() + absl::Seconds(5));
  serving_ = std::move(serving);
  port_ = port;
  ServerLog().Info("supervision server listening",
                   {{"address", options_.bind_address}, {"port", port}});
  return port;
}

void SupervisionServer::Stop() {
  absl::MutexLock lock(&mu_);
  if (serving_ == nullptr) return;
  registry_->Shutdown();  // held rank-table long polls answer 503 now
  rendezvous_.Stop();     // and so do held rendezvous long polls
  AwaitAcceptLoop(serving_->server, serving_->done, absl::InfiniteFuture());
  serving_->server.stop();
  serving_->thread.join();
  serving_.reset();
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
