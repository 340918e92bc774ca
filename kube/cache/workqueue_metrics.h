// WorkQueueMetrics: the Prometheus metrics of one work queue, labelled {name="<queue>"}, as
// client-go's workqueue exports them:
//
//   flyover_workqueue_depth                    gauge      keys waiting to be processed
//   flyover_workqueue_adds_total               counter    adds that queued a key
//   flyover_workqueue_queue_duration_seconds   histogram  time from add to Get()
//   flyover_workqueue_work_duration_seconds    histogram  time from Get() to Done()
//   flyover_workqueue_retries_total            counter    AddRateLimited() calls
//
// Every series exists at zero from construction. Queues in one registry share the families.
// A null registry, or a registry that already holds one of these names with another type,
// gives metrics that record nothing (the latter is logged): metrics never break a queue.
//
// Thread-safety: all methods are thread-safe (prometheus-cpp metrics are).
#ifndef FLYOVER_KUBE_CACHE_WORKQUEUE_METRICS_H_
#define FLYOVER_KUBE_CACHE_WORKQUEUE_METRICS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::kube {

class WorkQueueMetrics {
 public:
  WorkQueueMetrics(std::shared_ptr<prometheus::Registry> registry, const std::string& name);

  void SetDepth(size_t depth);
  void Added();
  void Retried();
  void ObserveQueueDuration(absl::Duration d);
  void ObserveWorkDuration(absl::Duration d);

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // keeps the metrics below alive
  prometheus::Gauge* depth_ = nullptr;
  prometheus::Counter* adds_ = nullptr;
  prometheus::Counter* retries_ = nullptr;
  prometheus::Histogram* queue_duration_ = nullptr;
  prometheus::Histogram* work_duration_ = nullptr;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_WORKQUEUE_METRICS_H_
