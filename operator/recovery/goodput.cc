#include "operator/recovery/goodput.h"

#include <algorithm>
#include <cmath>

#include "operator/recovery/recovery_policy.h"

namespace flyover::op {

absl::Duration SuspendedFor(const kube::PostTrainingJobStatus& status, absl::Time now) {
  const kube::Condition* suspended = kube::FindCondition(status.conditions, kSuspendedCondition);
  if (suspended == nullptr || suspended->status != kube::ConditionStatus::kTrue ||
      !suspended->last_transition_time.has_value() || !status.start_time.has_value()) {
    return absl::ZeroDuration();
  }
  const absl::Time since = std::max(*suspended->last_transition_time, *status.start_time);
  return std::max(absl::ZeroDuration(), now - since);
}

double MedianOf(std::vector<double> samples) {
  if (samples.empty()) return 0;
  const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return *middle;
}

int64_t RecomputedSteps(int64_t high_water_step, const JobProgress& progress) {
  std::optional<int64_t> lowest_start;
  for (const auto& [pod, seen] : progress.heartbeats) {
    if (!seen.baseline_step.has_value()) continue;
    lowest_start = std::min(lowest_start.value_or(*seen.baseline_step), *seen.baseline_step);
  }
  if (!lowest_start.has_value()) return 0;
  return std::max<int64_t>(0, high_water_step - *lowest_start);
}

int64_t IncidentUnproductiveMillis(const std::vector<kube::FaultRecord>& faults,
                                   absl::Time recovered_at, int64_t recomputed_steps,
                                   double median_step_millis) {
  absl::Time first = recovered_at;
  for (const kube::FaultRecord& fault : faults) {
    if (IsReportOnly(fault.fault_class) || !fault.detected_at.has_value()) continue;
    first = std::min(first, *fault.detected_at);
  }
  const double redone = static_cast<double>(recomputed_steps) * std::max(0.0, median_step_millis);
  return absl::ToInt64Milliseconds(recovered_at - first) + std::llround(redone);
}

std::optional<double> Goodput(const kube::PostTrainingJobStatus& status, absl::Time now) {
  if (!status.start_time.has_value()) return std::nullopt;
  const absl::Time start = *status.start_time;
  const absl::Time end = status.completion_time.value_or(now);
  if (end <= start) return 1.0;
  // The incident in progress (or waiting out its backoff) costs from its first detection;
  // a job that succeeded with faults still open trained through them to its last step.
  absl::Time ongoing_since = end;
  const bool succeeded = status.phase == kube::JobPhase::kSucceeded;
  for (const kube::FaultRecord& fault : status.faults) {
    if (succeeded || IsReportOnly(fault.fault_class) || fault.recovered_at.has_value() ||
        !fault.detected_at.has_value()) {
      continue;
    }
    ongoing_since = std::min(ongoing_since, std::max(start, *fault.detected_at));
  }
  const double lost_seconds = static_cast<double>(status.unproductive_millis) / 1000.0 +
                              absl::ToDoubleSeconds(end - ongoing_since);
  const double wall_seconds =
      absl::ToDoubleSeconds(end - start - absl::Milliseconds(status.suspended_millis) -
                            SuspendedFor(status, end));
  if (wall_seconds <= 0) return 1.0;
  return std::clamp(1.0 - lost_seconds / wall_seconds, 0.0, 1.0);
}

double RoundGoodput(double goodput) { return std::round(goodput * 100.0) / 100.0; }

}  // namespace flyover::op
