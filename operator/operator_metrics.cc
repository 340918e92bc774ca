#include "operator/operator_metrics.h"

#include <utility>

#include "kube/api/post_training_job.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

std::map<std::string, std::string> JobLabels(const std::string& key) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return {{"namespace", ""}, {"job", key}};
  return {{"namespace", key.substr(0, slash)}, {"job", key.substr(slash + 1)}};
}

}  // namespace

const prometheus::Histogram::BucketBoundaries& FaultTimeBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60};
  return *buckets;
}

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
                  .Register(registry)),
      detection_(prometheus::BuildHistogram()
                     .Name("flyover_operator_fault_detection_seconds")
                     .Help("Time from a fault occurring to its detection, by class")
                     .Register(registry)),
      recovery_(prometheus::BuildHistogram()
                    .Name("flyover_operator_recovery_seconds")
                    .Help("Time from a fault's detection to the first step completed after "
                          "its recovery, by recovery level")
                    .Register(registry)),
      restarts_(prometheus::BuildCounter()
                    .Name("flyover_operator_restarts_total")
                    .Help("Recovery attempts started, by level")
                    .Register(registry)),
      goodput_(prometheus::BuildGauge()
                   .Name("flyover_operator_job_goodput_ratio")
                   .Help("Productive time / wall time since the job first ran")
                   .Register(registry)),
      step_(prometheus::BuildGauge()
                .Name("flyover_operator_job_step")
                .Help("The job's status.step")
                .Register(registry)) {
  for (const auto& [phase, name] : kube::EnumNames<kube::JobPhase>::kValues) {
    jobs_.Add({{"phase", name}}).Set(0);
  }
  for (const std::string& fault_class : FaultClasses()) {
    faults_.Add({{"class", fault_class}});
    detection_.Add({{"class", fault_class}}, FaultTimeBuckets());
  }
  for (const auto& [level, name] : kube::EnumNames<kube::RecoveryLevel>::kValues) {
    recovery_.Add({{"level", name}}, FaultTimeBuckets());
    restarts_.Add({{"level", name}});
  }
}

void OperatorMetrics::ObservePhase(const std::string& key, const std::string& phase) {
  absl::MutexLock lock(&mu_);
  if (phase.empty()) RemoveJobSeries(key);
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

void OperatorMetrics::ObserveDetection(const std::string& fault_class,
                                       absl::Duration occurred_to_detected) {
  detection_.Add({{"class", fault_class}}, FaultTimeBuckets())
      .Observe(absl::ToDoubleSeconds(occurred_to_detected));
}

void OperatorMetrics::ObserveRecovery(const std::string& level, absl::Duration detected_to_step) {
  recovery_.Add({{"level", level}}, FaultTimeBuckets())
      .Observe(absl::ToDoubleSeconds(detected_to_step));
}

void OperatorMetrics::CountRestarts(const std::string& level, int64_t restarts) {
  if (restarts <= 0) return;
  restarts_.Add({{"level", level}}).Increment(static_cast<double>(restarts));
}

void OperatorMetrics::ObserveJob(const std::string& key, int64_t step,
                                 std::optional<double> goodput) {
  absl::MutexLock lock(&mu_);
  JobSeries& series = series_by_job_[key];
  const std::map<std::string, std::string> labels = JobLabels(key);
  if (series.step == nullptr) series.step = &step_.Add(labels);
  series.step->Set(static_cast<double>(step));
  if (!goodput.has_value()) return;
  if (series.goodput == nullptr) series.goodput = &goodput_.Add(labels);
  series.goodput->Set(*goodput);
}

void OperatorMetrics::RemoveJobSeries(const std::string& key) {
  auto it = series_by_job_.find(key);
  if (it == series_by_job_.end()) return;
  if (it->second.step != nullptr) step_.Remove(it->second.step);
  if (it->second.goodput != nullptr) goodput_.Remove(it->second.goodput);
  series_by_job_.erase(it);
}

}  // namespace flyover::op
