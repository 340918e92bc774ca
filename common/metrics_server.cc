#include "common/metrics_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/log.h"
#include "common/status.h"
#include "prometheus/text_serializer.h"

namespace flyover {

struct MetricsServer::Serving {
  httplib::Server server;
  std::thread thread;
  std::atomic<bool> done{false};  // listen_after_bind() has returned
};

namespace {

constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kTextContentType[] = "text/plain; charset=utf-8";

const log::Logger& ServerLog() {
  static const log::Logger* const logger = new log::Logger("metrics-server");
  return *logger;
}

// httplib's default socket options add SO_REUSEPORT, which would let a second server bind
// the same port and silently share its traffic. A port clash must be a Start() error.
void ReuseAddressOnly(int socket) {
  int yes = 1;
  ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

template <typename Setter>
void SetTimeout(absl::Duration timeout, Setter setter) {
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  setter(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

void ServeMetrics(const prometheus::Registry& registry, httplib::Response& response) {
  try {
    response.set_content(prometheus::TextSerializer().Serialize(registry.Collect()),
                         kMetricsContentType);
  } catch (const std::exception& e) {  // prometheus-cpp reports by throwing
    response.status = 500;
    response.set_content(absl::StrCat("collecting metrics: ", e.what()), kTextContentType);
  }
}

void ServeReadyz(const std::vector<MetricsServer::CheckResult>& results, bool verbose,
                 httplib::Response& response) {
  std::string listing;
  bool ready = true;
  for (const MetricsServer::CheckResult& result : results) {
    if (result.status.ok()) {
      absl::StrAppend(&listing, "[+]", result.name, " ok\n");
    } else {
      ready = false;
      absl::StrAppend(&listing, "[-]", result.name, " failed: ", result.status.ToString(), "\n");
    }
  }
  if (!ready) {
    response.status = 503;
    response.set_content(absl::StrCat(listing, "readyz check failed\n"), kTextContentType);
  } else if (verbose) {
    response.set_content(absl::StrCat(listing, "readyz check passed\n"), kTextContentType);
  } else {
    response.set_content("ok", kTextContentType);
  }
}

void Configure(const MetricsServerOptions& options, httplib::Server& server) {
  const size_t threads = static_cast<size_t>(std::max(1, options.worker_threads));
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_socket_options(ReuseAddressOnly);
  SetTimeout(options.read_timeout, [&](time_t s, time_t us) { server.set_read_timeout(s, us); });
  SetTimeout(options.write_timeout,
             [&](time_t s, time_t us) { server.set_write_timeout(s, us); });
  server.set_keep_alive_timeout(
      static_cast<time_t>(absl::ToInt64Seconds(options.keep_alive_timeout)));
}

absl::StatusOr<int> Bind(const MetricsServerOptions& options, httplib::Server& server) {
  const int port = options.port == 0
                       ? server.bind_to_any_port(options.bind_address)
                       : (server.bind_to_port(options.bind_address, options.port) ? options.port
                                                                                  : -1);
  if (port <= 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics server: cannot bind ", options.bind_address, ":", options.port));
  }
  return port;
}

// httplib 0.11 offers no "now accepting" signal, and Server::stop() does nothing until the
// serving thread has entered its accept loop (is_running()). So Start() and Stop() poll for
// that moment; it comes within microseconds of the thread starting.
bool AwaitAcceptLoop(httplib::Server& server, const std::atomic<bool>& done,
                     absl::Time deadline) {
  while (!server.is_running() && !done.load()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Microseconds(50));
  }
  return true;
}

}  // namespace

MetricsServer::MetricsServer(std::shared_ptr<prometheus::Registry> registry,
                             MetricsServerOptions options)
    : registry_(std::move(registry)), options_(std::move(options)) {}

MetricsServer::~MetricsServer() { Stop(); }

absl::StatusOr<int> MetricsServer::Start() {
  absl::MutexLock lock(&lifecycle_mu_);
  if (serving_ != nullptr) return absl::FailedPreconditionError("metrics server already started");
  auto serving = std::make_unique<Serving>();
  httplib::Server& server = serving->server;
  Configure(options_, server);
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    ServeMetrics(*registry_, response);
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok", kTextContentType);
  });
  server.Get("/readyz", [this](const httplib::Request& request, httplib::Response& response) {
    ServeReadyz(RunReadinessChecks(), request.has_param("verbose"), response);
  });
  ASSIGN_OR_RETURN(const int port, Bind(options_, server));
  Serving* raw = serving.get();
  serving->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->done.store(true);
  });
  serving_ = std::move(serving);
  if (!AwaitAcceptLoop(server, serving_->done, absl::Now() + options_.start_timeout)) {
    StopLocked();
    return absl::DeadlineExceededError("metrics server did not start in time");
  }
  if (serving_->done.load()) {
    StopLocked();
    return absl::UnavailableError("metrics server stopped right after starting");
  }
  port_ = port;
  ServerLog().Info("metrics server listening",
                   {{"address", options_.bind_address}, {"port", port}});
  return port;
}

void MetricsServer::Stop() {
  absl::MutexLock lock(&lifecycle_mu_);
  StopLocked();
}

void MetricsServer::StopLocked() {
  if (serving_ == nullptr) return;
  // The serving thread reaches its accept loop or exits soon after it starts; stop() before
  // then would be lost and join() would hang.
  AwaitAcceptLoop(serving_->server, serving_->done, absl::InfiniteFuture());
  serving_->server.stop();
  serving_->thread.join();
  serving_.reset();
  if (port_ != 0) ServerLog().Info("metrics server stopped", {{"port", port_}});
  port_ = 0;
}

absl::Status MetricsServer::AddReadinessCheck(absl::string_view name,
                                              std::function<absl::Status()> check) {
  if (name.empty()) return absl::InvalidArgumentError("readiness check needs a name");
  if (!check) {
    return absl::InvalidArgumentError(absl::StrCat("readiness check ", name, " is empty"));
  }
  absl::MutexLock lock(&checks_mu_);
  for (const Check& existing : checks_) {
    if (existing.name == name) {
      return absl::AlreadyExistsError(absl::StrCat("readiness check ", name, " already added"));
    }
  }
  checks_.push_back({std::string(name), std::move(check)});
  return absl::OkStatus();
}

std::vector<MetricsServer::CheckResult> MetricsServer::RunReadinessChecks() const {
  std::vector<Check> checks;
  {
    // Copied so that a slow check never blocks AddReadinessCheck() or another probe.
    absl::MutexLock lock(&checks_mu_);
    checks = checks_;
  }
  std::vector<CheckResult> results;
  results.reserve(checks.size());
  for (const Check& check : checks) results.push_back({check.name, check.run()});
  return results;
}

int MetricsServer::port() const {
  absl::MutexLock lock(&lifecycle_mu_);
  return port_;
}

prometheus::Histogram::BucketBoundaries DefaultLatencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

absl::StatusOr<prometheus::Histogram::BucketBoundaries> ExponentialBuckets(double start,
                                                                           double factor,
                                                                           int count) {
  if (!(start > 0) || !(factor > 1) || count < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "exponential buckets need start > 0, factor > 1, count >= 1; got ", start, ", ",
        factor, ", ", count));
  }
  prometheus::Histogram::BucketBoundaries buckets;
  buckets.reserve(static_cast<size_t>(count));
  for (double bound = start; static_cast<int>(buckets.size()) < count; bound *= factor) {
    buckets.push_back(bound);
  }
  return buckets;
}

std::vector<prometheus::Labels> LabelProduct(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& dimensions) {
  std::vector<prometheus::Labels> product = {{}};
  for (const auto& [name, values] : dimensions) {
    std::vector<prometheus::Labels> next;
    next.reserve(product.size() * values.size());
    for (const prometheus::Labels& partial : product) {
      for (const std::string& value : values) {
        prometheus::Labels labels = partial;
        labels[name] = value;
        next.push_back(std::move(labels));
      }
    }
    product = std::move(next);
  }
  return product;
}

}  // namespace flyover
