// MetricsServer: the HTTP endpoint every Flyover process exposes for Prometheus and for
// the kubelet's probes.
//
//   GET /metrics  the Prometheus text format (0.0.4) of one shared prometheus::Registry
//   GET /healthz  200 "ok" for as long as the process serves HTTP at all (liveness)
//   GET /readyz   200 "ok" when every readiness check returns OK; otherwise 503 listing each
//                 check as kube-apiserver's /readyz?verbose does:
//                   [+]informer-sync ok
//                   [-]leader-election failed: UNAVAILABLE: no lease yet
//                   readyz check failed
//                 `GET /readyz?verbose` lists the checks on success too.
//
// Ownership: the server shares ownership of the registry with the components that register
// metrics in it. Readiness checks are owned by the server and run on its worker threads
// without any server lock held; they must be cheap, must not block, and must not throw.
//
// Thread-safety: all methods may be called from any thread. Start() and Stop() are
// serialised against each other; Stop() waits for the serving thread to exit.
//
// Also here: helpers for the house rule that every label set of a metric is created, at
// zero, when the process starts (so that rate() and absent() work from the first scrape),
// and the default latency buckets.
#ifndef FLYOVER_COMMON_METRICS_SERVER_H_
#define FLYOVER_COMMON_METRICS_SERVER_H_

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/labels.h"
#include "prometheus/registry.h"

namespace flyover {

struct MetricsServerOptions {
  // Address to bind. The default serves only this host; pods set "0.0.0.0".
  std::string bind_address = "127.0.0.1";
  // TCP port; 0 picks a free ephemeral port (Start() returns it).
  int port = 0;
  // Per-connection socket read and write timeouts.
  absl::Duration read_timeout = absl::Seconds(5);
  absl::Duration write_timeout = absl::Seconds(5);
  // How long an idle keep-alive connection is kept open (whole seconds; httplib's unit).
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // How long Start() waits for the serving thread to begin accepting connections.
  absl::Duration start_timeout = absl::Seconds(5);
  // Threads handling requests. Scrapes and probes are rare; a few suffice.
  int worker_threads = 2;
};

class MetricsServer {
 public:
  // The outcome of one readiness check.
  struct CheckResult {
    std::string name;
    absl::Status status;
  };

  // `registry` must not be null.
  explicit MetricsServer(std::shared_ptr<prometheus::Registry> registry,
                         MetricsServerOptions options = {});
  ~MetricsServer();  // Stop()s
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds, starts serving on a background thread and returns the bound port.
  // FailedPrecondition if already started; Unavailable if the address cannot be bound
  // (for example the port is taken: the socket is not shared with SO_REUSEPORT);
  // DeadlineExceeded if the server does not start within options.start_timeout.
  [[nodiscard]] absl::StatusOr<int> Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);

  // Stops accepting, waits for requests in progress and joins the serving thread. An idle
  // keep-alive connection can hold this up for options.keep_alive_timeout. Idempotent;
  // Start() may be called again afterwards.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_);

  // Adds a check that /readyz runs on every request. InvalidArgument for an empty name or
  // an empty function, AlreadyExists for a name already added. May be called while serving.
  [[nodiscard]] absl::Status AddReadinessCheck(absl::string_view name,
                                               std::function<absl::Status()> check)
      ABSL_LOCKS_EXCLUDED(checks_mu_);

  // Runs every readiness check now, in the order added, as /readyz does.
  std::vector<CheckResult> RunReadinessChecks() const ABSL_LOCKS_EXCLUDED(checks_mu_);

  // The bound port while serving, otherwise 0.
  int port() const ABSL_LOCKS_EXCLUDED(lifecycle_mu_);
  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }

 private:
  struct Check {
    std::string name;
    std::function<absl::Status()> run;
  };
  struct Serving;  // the httplib server and its thread

  void StopLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(lifecycle_mu_);

  const std::shared_ptr<prometheus::Registry> registry_;
  const MetricsServerOptions options_;

  mutable absl::Mutex checks_mu_;
  std::vector<Check> checks_ ABSL_GUARDED_BY(checks_mu_);

  mutable absl::Mutex lifecycle_mu_;
  std::unique_ptr<Serving> serving_ ABSL_GUARDED_BY(lifecycle_mu_);
  int port_ ABSL_GUARDED_BY(lifecycle_mu_) = 0;
};

// Prometheus's default histogram buckets, suited to request latencies in seconds:
// 5ms, 10ms, 25ms, 50ms, 100ms, 250ms, 500ms, 1s, 2.5s, 5s, 10s.
prometheus::Histogram::BucketBoundaries DefaultLatencyBuckets();

// `count` buckets starting at `start`, each `factor` times the previous one.
// InvalidArgument unless start > 0, factor > 1 and count >= 1.
[[nodiscard]] absl::StatusOr<prometheus::Histogram::BucketBoundaries> ExponentialBuckets(
    double start, double factor, int count);

// Every combination of the given label values, for InitLabelSets():
//   LabelProduct({{"verb", {"get", "list"}}, {"code", {"200", "500"}}})
// yields the four label sets {verb=get,code=200}, {verb=get,code=500}, ... in that order.
std::vector<prometheus::Labels> LabelProduct(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& dimensions);

// Creates each of `label_sets` in `family` (at zero) so that it is exported before the
// first event. `args` are passed on to Family<T>::Add, e.g. the bucket boundaries of a
// histogram. Creating a label set that exists is a no-op. InvalidArgument if a label name
// is invalid (prometheus-cpp throws; the exception stops here); earlier sets stay created.
//
//   InitLabelSets(requests, {{{"code", "200"}}, {{"code", "500"}}});
//   InitLabelSets(latency, LabelProduct({{"verb", {"get", "put"}}}), DefaultLatencyBuckets());
template <typename T, typename... Args>
[[nodiscard]] absl::Status InitLabelSets(prometheus::Family<T>& family,
                                         const std::vector<prometheus::Labels>& label_sets,
                                         const Args&... args) {
  for (const prometheus::Labels& labels : label_sets) {
    try {
      family.Add(labels, args...);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("creating label set: ", e.what()));
    }
  }
  return absl::OkStatus();
}

}  // namespace flyover

#endif  // FLYOVER_COMMON_METRICS_SERVER_H_
