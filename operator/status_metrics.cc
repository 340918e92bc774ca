#include "operator/status_metrics.h"

#include <algorithm>
#include <cstdint>

#include "operator/job_status.h"
#include "operator/recovery/goodput.h"

namespace flyover::op {
namespace {

const kube::FaultRecord* Find(const kube::PostTrainingJobStatus& status,
                              const kube::FaultRecord& fault) {
  auto it = std::find_if(status.faults.begin(), status.faults.end(),
                         [&fault](const kube::FaultRecord& f) { return SameFault(f, fault); });
  return it == status.faults.end() ? nullptr : &*it;
}

void CountRestartDeltas(const kube::RestartCounts& before, const kube::RestartCounts& after,
                        OperatorMetrics& metrics) {
  using kube::RecoveryLevel;
  metrics.CountRestarts(kube::EnumName(RecoveryLevel::kInPlace), after.in_place - before.in_place);
  metrics.CountRestarts(kube::EnumName(RecoveryLevel::kReschedulePod),
                        after.reschedule_pod - before.reschedule_pod);
  metrics.CountRestarts(kube::EnumName(RecoveryLevel::kRestartJob),
                        after.restart_job - before.restart_job);
}

}  // namespace

void ObserveStatusChange(const kube::PostTrainingJobStatus& before,
                         const kube::PostTrainingJobStatus& after, OperatorMetrics& metrics) {
  for (const kube::FaultRecord& fault : after.faults) {
    const kube::FaultRecord* old = Find(before, fault);
    if (old == nullptr) {
      metrics.CountFault(fault.fault_class);
      if (fault.detection_millis.has_value()) {
        metrics.ObserveDetection(fault.fault_class, absl::Milliseconds(*fault.detection_millis));
      }
    }
    const bool newly_recovered = fault.recovered_at.has_value() &&
                                 (old == nullptr || !old->recovered_at.has_value());
    if (newly_recovered && fault.recovery_level.has_value() &&
        fault.recovery_millis.has_value()) {
      metrics.ObserveRecovery(kube::EnumName(*fault.recovery_level),
                              absl::Milliseconds(*fault.recovery_millis));
    }
  }
  CountRestartDeltas(before.restarts, after.restarts, metrics);
}

void ObserveJobProgress(const std::string& key, const kube::PostTrainingJobStatus& status,
                        absl::Time now, OperatorMetrics& metrics) {
  metrics.ObserveJob(key, status.step, Goodput(status, now));
}

}  // namespace flyover::op
