#include "operator/operator_metrics.h"

#include <array>

#include "kube/api/post_training_job.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {

OperatorMetrics::OperatorMetrics(prometheus::Registry& registry)
    : jobs_(prometheus::BuildGauge()
                .Name("flyover_operator_jobs")
                .Help("PostTrainingJobs by status.phase")
                .Register(registry)),
      reconcile_duration_(
          prometheus::BuildHistogram()
              .Name("flyover_operator_reconcile_duration_seconds")
              .Help("Duration of one PostTrainingJob reconcile")
              .Register(registry)
              .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
                                                               1, 5})),
      faults_(prometheus::BuildCounter()
                  .Name("flyover_operator_faults_total")
                  .Help("Faults recorded into PostTrainingJob status, by class")
                  .Register(registry)) {
  for (const auto& [phase, name] : kube::EnumNames<kube::JobPhase>::kValues) {
    jobs_.Add({{"phase", name}}).Set(0);
  }
  for (const std::string& fault_class : FaultClasses()) faults_.Add({{"class", fault_class}});
}

void OperatorMetrics::ObservePhase(const std::string& key, const std::string& phase) {
  absl::MutexLock lock(&mu_);
  auto it = phase_by_job_.find(key);
  if (it != phase_by_job_.end()) {
    if (it->second == phase) return;
    jobs_.Add({{"phase", it->second}}).Decrement();
    phase_by_job_.erase(it);
  }
  if (phase.empty()) return;
  jobs_.Add({{"phase", phase}}).Increment();
  phase_by_job_[key] = phase;
}

void OperatorMetrics::ObserveReconcile(absl::Duration duration) {
  reconcile_duration_.Observe(absl::ToDoubleSeconds(duration));
}

void OperatorMetrics::CountFault(const std::string& fault_class) {
  faults_.Add({{"class", fault_class}}).Increment();
}

}  // namespace flyover::op
