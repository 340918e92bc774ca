// The operator's own Prometheus metrics (the controller runtime adds reconcile counts and
// latency per controller: kube/controller/controller_metrics.h):
//   flyover_operator_jobs{phase}                 gauge, jobs by status.phase
//   flyover_operator_reconcile_duration_seconds  histogram, one PostTrainingJob reconcile
//   flyover_operator_faults_total{class}         counter, faults recorded into status
// Every label value is created at zero. Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_OPERATOR_OPERATOR_METRICS_H_
#define FLYOVER_OPERATOR_OPERATOR_METRICS_H_

#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::op {

class OperatorMetrics {
 public:
  explicit OperatorMetrics(prometheus::Registry& registry);

  // The job `key` is now in `phase` ("" when it is gone).
  void ObservePhase(const std::string& key, const std::string& phase) ABSL_LOCKS_EXCLUDED(mu_);
  void ObserveReconcile(absl::Duration duration);
  void CountFault(const std::string& fault_class);

 private:
  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Histogram& reconcile_duration_;
  prometheus::Family<prometheus::Counter>& faults_;
  absl::Mutex mu_;
  std::map<std::string, std::string> phase_by_job_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_OPERATOR_METRICS_H_
