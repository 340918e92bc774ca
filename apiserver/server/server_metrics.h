// The API server's own Prometheus metrics (beside the storage's, in the same registry):
//   flyover_apiserver_requests_total{verb,resource,code}     requests answered
//   flyover_apiserver_request_duration_seconds{verb}         latency until the response
//                                                            (for watches: until set up)
//   flyover_apiserver_watches                                watch streams open now
//   flyover_apiserver_watch_events_total                     watch events sent
// `resource` is "<plural>[.<group>]" ("" for non-resource paths such as /api or /healthz);
// `verb` is the Kubernetes verb, or the lower-case HTTP method for non-resource paths.
// Every verb's series and the built-in resources' successful series exist from the start.
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_SERVER_METRICS_H_
#define FLYOVER_APISERVER_SERVER_SERVER_METRICS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::apiserver {

class ServerMetrics {
 public:
  explicit ServerMetrics(std::shared_ptr<prometheus::Registry> registry);

  void ObserveRequest(absl::string_view verb, absl::string_view resource, int code,
                      absl::Duration latency);
  void WatchStarted() { watches_.Increment(); }
  void WatchEnded() { watches_.Decrement(); }
  void WatchEventsSent(int64_t count) { watch_events_.Increment(static_cast<double>(count)); }

  const std::shared_ptr<prometheus::Registry>& registry() const { return registry_; }
  double open_watches() const { return watches_.Value(); }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Gauge& watches_;
  prometheus::Counter& watch_events_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_SERVER_METRICS_H_
