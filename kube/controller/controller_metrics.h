// The metrics of one controller, after controller-runtime's controller_runtime_* series,
// in the Manager's registry:
//
//   flyover_controller_reconcile_total{controller, result}   result: success, error,
//                                                            requeue, requeue_after
//   flyover_controller_reconcile_errors_total{controller}
//   flyover_controller_terminal_reconcile_errors_total{controller}
//   flyover_controller_reconcile_duration_seconds{controller}  (histogram)
//   flyover_controller_active_workers{controller}
//   flyover_controller_max_concurrent_reconciles{controller}
//
// Every label set is created at zero on construction. With a null registry every method
// does nothing. Thread-safety: all methods are thread-safe (prometheus-cpp metrics are).
#ifndef FLYOVER_KUBE_CONTROLLER_CONTROLLER_METRICS_H_
#define FLYOVER_KUBE_CONTROLLER_CONTROLLER_METRICS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::kube {

enum class ReconcileResult { kSuccess, kError, kRequeue, kRequeueAfter };

class ControllerMetrics {
 public:
  ControllerMetrics(const std::shared_ptr<prometheus::Registry>& registry,
                    const std::string& controller, int max_concurrent_reconciles);

  void Observe(ReconcileResult result, absl::Duration duration);
  void Error(bool terminal);
  void WorkerStarted();
  void WorkerFinished();

 private:
  prometheus::Counter* results_[4] = {};
  prometheus::Counter* errors_ = nullptr;
  prometheus::Counter* terminal_errors_ = nullptr;
  prometheus::Histogram* duration_ = nullptr;
  prometheus::Gauge* active_workers_ = nullptr;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_CONTROLLER_METRICS_H_
