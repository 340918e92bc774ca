// The operator's own Prometheus metrics (the controller runtime adds reconcile counts and
// latency per controller: kube/controller/controller_metrics.h):
//   flyover_operator_jobs{phase}                        gauge, jobs by status.phase
//   flyover_operator_reconcile_duration_seconds         histogram, one PostTrainingJob reconcile
//   flyover_operator_faults_total{class}                counter, faults recorded into status
//   flyover_operator_fault_detection_seconds{class}     histogram, fault occurred -> detected
//                                                       (faults whose occurrence time is known)
//   flyover_operator_recovery_seconds{level}            histogram, fault detected -> first step
//                                                       completed after its recovery
//   flyover_operator_restarts_total{level}              counter, recovery attempts started
//   flyover_operator_job_goodput_ratio{namespace,job}   gauge, productive / wall time since
//                                                       the job first ran (recovery/goodput.h)
//   flyover_operator_job_step{namespace,job}            gauge, status.step
// Every class, level and phase is created at zero; a job's own series appear with its first
// ObserveJob and are removed by ObservePhase(key, "") when the job is gone.
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_OPERATOR_OPERATOR_METRICS_H_
#define FLYOVER_OPERATOR_OPERATOR_METRICS_H_

#include <cstdint>
#include <map>
#include <optional>
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

  // The job `key` ("<namespace>/<name>") is now in `phase` ("" when it is gone: its
  // goodput and step series are removed too).
  void ObservePhase(const std::string& key, const std::string& phase) ABSL_LOCKS_EXCLUDED(mu_);
  void ObserveReconcile(absl::Duration duration);
  void CountFault(const std::string& fault_class);
  void ObserveDetection(const std::string& fault_class, absl::Duration occurred_to_detected);
  void ObserveRecovery(const std::string& level, absl::Duration detected_to_step);
  void CountRestarts(const std::string& level, int64_t restarts);
  // The job's step and, once it has run, its goodput (no value: the goodput series is left
  // out until there is one).
  void ObserveJob(const std::string& key, int64_t step, std::optional<double> goodput)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct JobSeries {
    prometheus::Gauge* step = nullptr;
    prometheus::Gauge* goodput = nullptr;
  };
  void RemoveJobSeries(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Histogram& reconcile_duration_;
  prometheus::Family<prometheus::Counter>& faults_;
  prometheus::Family<prometheus::Histogram>& detection_;
  prometheus::Family<prometheus::Histogram>& recovery_;
  prometheus::Family<prometheus::Counter>& restarts_;
  prometheus::Family<prometheus::Gauge>& goodput_;
  prometheus::Family<prometheus::Gauge>& step_;
  absl::Mutex mu_;
  std::map<std::string, std::string> phase_by_job_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, JobSeries> series_by_job_ ABSL_GUARDED_BY(mu_);
};

// The buckets of the detection and recovery histograms, in seconds (0.05 .. 60).
const prometheus::Histogram::BucketBoundaries& FaultTimeBuckets();

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_OPERATOR_METRICS_H_
