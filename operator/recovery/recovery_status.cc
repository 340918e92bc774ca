#include "operator/recovery/recovery_status.h"

#include <algorithm>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "operator/recovery/goodput.h"

namespace flyover::op {
namespace {

using kube::JobPhase;
using kube::RecoveryLevel;

bool IsActive(const kube::FaultRecord& fault) {
  return fault.recovery_level.has_value() && !fault.recovered_at.has_value();
}

std::optional<RecoveryAttempt> CurrentAttempt(const kube::PostTrainingJobStatus& status,
                                              const std::optional<JobProgress>& progress,
                                              absl::Time now) {
  std::optional<RecoveryLevel> level = ActiveRecoveryLevel(status);
  if (!level.has_value()) return std::nullopt;
  const bool same_generation =
      progress.has_value() && progress->generation == status.restart_generation;
  // After a failover the registry is new: the attempt's clock starts again.
  return RecoveryAttempt{.level = *level,
                         .started_at = same_generation ? progress->registered_at : now};
}

// Marks the incident in progress recovered at `recovered_at` and adds what it cost to
// status.unproductiveMillis (goodput.h).
void Complete(absl::Time recovered_at, const JobProgress& progress,
              kube::PostTrainingJobStatus* status) {
  std::vector<kube::FaultRecord> incident;
  for (const kube::FaultRecord& fault : status->faults) {
    if (IsActive(fault)) incident.push_back(fault);
  }
  status->unproductive_millis += IncidentUnproductiveMillis(
      incident, recovered_at, RecomputedSteps(status->step, progress),
      MedianOf(progress.step_millis));
  for (kube::FaultRecord& fault : status->faults) {
    if (!IsActive(fault)) continue;
    fault.recovered_at = recovered_at;
    if (fault.detected_at.has_value()) {
      fault.recovery_millis =
          std::max<int64_t>(0, absl::ToInt64Milliseconds(recovered_at - *fault.detected_at));
    }
  }
}

void Assign(RecoveryLevel level, bool include_active, kube::PostTrainingJobStatus* status) {
  for (kube::FaultRecord& fault : status->faults) {
    if (IsReportOnly(fault.fault_class)) continue;
    if (!fault.recovery_level.has_value() || (include_active && IsActive(fault))) {
      fault.recovery_level = level;
    }
  }
}

}  // namespace

std::optional<RecoveryLevel> ActiveRecoveryLevel(const kube::PostTrainingJobStatus& status) {
  std::optional<RecoveryLevel> level;
  for (const kube::FaultRecord& fault : status.faults) {
    if (!IsActive(fault)) continue;
    level = std::max(level.value_or(*fault.recovery_level), *fault.recovery_level);
  }
  return level;
}

std::optional<absl::Time> StepCompletedByAllPods(const JobProgress& progress) {
  if (progress.pods.empty()) return std::nullopt;
  absl::Time last = absl::InfinitePast();
  for (const std::string& pod : progress.pods) {
    auto it = progress.heartbeats.find(pod);
    if (it == progress.heartbeats.end()) return std::nullopt;
    const PodProgress& seen = it->second;
    if (!seen.baseline_step.has_value() || seen.step <= *seen.baseline_step) return std::nullopt;
    last = std::max(last, seen.step_changed_at);
  }
  return last;
}

RecoveryStep AdvanceRecovery(const kube::PostTrainingJobSpec& spec,
                             const std::optional<JobProgress>& progress, absl::Time now,
                             const RecoveryTimeouts& timeouts,
                             kube::PostTrainingJobStatus* status) {
  RecoveryStep step;
  if (status->phase == JobPhase::kSucceeded || status->phase == JobPhase::kFailed) return step;
  step.previous_level = ActiveRecoveryLevel(*status);
  if (step.previous_level.has_value() && progress.has_value() &&
      progress->generation == status->restart_generation) {
    step.recovered_at = StepCompletedByAllPods(*progress);
    if (step.recovered_at.has_value()) Complete(*step.recovered_at, *progress, status);
  }
  std::vector<kube::FaultRecord> unhandled;
  absl::Time trigger = absl::InfinitePast();
  for (const kube::FaultRecord& fault : status->faults) {
    if (!fault.recovery_level.has_value() && !IsReportOnly(fault.fault_class)) {
      unhandled.push_back(fault);
      trigger = std::max(trigger, fault.detected_at.value_or(now));
    }
  }
  if (unhandled.empty()) trigger = now;
  step.decision = DecideRecovery(
      spec.fault_tolerance, status->restarts, CurrentAttempt(*status, progress, now), unhandled,
      now, timeouts, RestartsInARow(status->faults, trigger, timeouts.stable_run));
  switch (step.decision.action) {
    case RecoveryAction::kJoin:
      Assign(step.decision.level, /*include_active=*/false, status);
      break;
    case RecoveryAction::kStart:
      Assign(step.decision.level, /*include_active=*/true, status);
      ++status->restart_generation;
      CountRestart(step.decision.level, &status->restarts);
      break;
    case RecoveryAction::kNone:
    case RecoveryAction::kWait:
    case RecoveryAction::kFail:
      break;
  }
  const bool recovering =
      ActiveRecoveryLevel(*status).has_value() || step.decision.action == RecoveryAction::kWait;
  if (recovering) status->phase = JobPhase::kRecovering;
  return step;
}

std::optional<int32_t> RankIndexOfPod(absl::string_view job_name, absl::string_view pod) {
  const std::string prefix = absl::StrCat(job_name, "-");
  if (!absl::StartsWith(pod, prefix)) return std::nullopt;
  absl::string_view rest = pod.substr(prefix.size());
  const size_t dash = rest.find("-g");
  int32_t rank = -1;
  int32_t generation = -1;
  if (dash == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(0, dash), &rank) ||
      !absl::SimpleAtoi(rest.substr(dash + 2), &generation) || rank < 0) {
    return std::nullopt;
  }
  return rank;
}

std::map<int32_t, int32_t> RequiredPodGenerations(absl::string_view job_name, int32_t replicas,
                                                  const kube::PostTrainingJobStatus& status) {
  std::map<int32_t, int32_t> required;
  const std::optional<RecoveryLevel> level = ActiveRecoveryLevel(status);
  if (!level.has_value() || *level == RecoveryLevel::kInPlace) return required;
  if (*level == RecoveryLevel::kRestartJob) {
    for (int32_t rank = 0; rank < replicas; ++rank) required[rank] = status.restart_generation;
    return required;
  }
  // The pods whose own faults need a new pod (a lost or failed pod, a bad node or device).
  // A pod whose ranks only exited because a peer went away restarts in place with the
  // others. When no fault needs a new pod (in place escalated), every faulty pod is replaced.
  for (bool only_lost_pods : {true, false}) {
    for (const kube::FaultRecord& fault : status.faults) {
      if (!IsActive(fault)) continue;
      if (only_lost_pods && LowestLevelFor(fault.fault_class) == RecoveryLevel::kInPlace) continue;
      std::optional<int32_t> rank = RankIndexOfPod(job_name, fault.pod);
      if (rank.has_value() && *rank < replicas) required[*rank] = status.restart_generation;
    }
    if (!required.empty()) break;
  }
  return required;
}

}  // namespace flyover::op
