#include "operator/recovery/recovery_policy.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

using kube::RecoveryLevel;

RecoveryLevel Next(RecoveryLevel level) {
  return level == RecoveryLevel::kInPlace ? RecoveryLevel::kReschedulePod
                                          : RecoveryLevel::kRestartJob;
}

std::optional<RecoveryLevel> LowestAllowedFrom(const kube::FaultToleranceSpec& spec,
                                               RecoveryLevel needed) {
  std::optional<RecoveryLevel> chosen;
  for (RecoveryLevel level : spec.recovery_levels) {
    if (level < needed) continue;
    if (!chosen.has_value() || level < *chosen) chosen = level;
  }
  return chosen;
}

std::string Describe(const kube::FaultRecord& fault) {
  return absl::StrCat(fault.fault_class, " on pod ", fault.pod);
}

RecoveryDecision Fail(std::string reason) {
  return {.action = RecoveryAction::kFail, .reason = std::move(reason)};
}

}  // namespace

RecoveryLevel LowestLevelFor(const std::string& fault_class) {
  if (fault_class == kFaultRankExit || fault_class == kFaultNaNLoss ||
      fault_class == kFaultHang || fault_class == kFaultHeartbeatTimeout) {
    return RecoveryLevel::kInPlace;
  }
  return RecoveryLevel::kReschedulePod;
}

bool IsReportOnly(const std::string& fault_class) { return fault_class == kFaultStraggler; }

absl::Duration BackoffDelay(const kube::BackoffSpec& backoff, int32_t restarts_so_far) {
  const absl::Duration cap = absl::Seconds(std::max(0, backoff.max_seconds));
  absl::Duration delay = absl::Seconds(std::max(0, backoff.initial_seconds));
  for (int32_t i = 0; i < restarts_so_far && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

int32_t RestartsInARow(const std::vector<kube::FaultRecord>& faults, absl::Time trigger,
                       absl::Duration stable_run) {
  std::map<absl::Time, absl::Time> incidents;  // recoveredAt -> first detection
  std::optional<absl::Time> active;             // first detection of the one in progress
  for (const kube::FaultRecord& fault : faults) {
    if (!fault.recovery_level.has_value() || IsReportOnly(fault.fault_class)) continue;
    const absl::Time detected = fault.detected_at.value_or(trigger);
    if (!fault.recovered_at.has_value()) {
      active = std::min(active.value_or(detected), detected);
      continue;
    }
    auto [it, added] = incidents.try_emplace(*fault.recovered_at, detected);
    if (!added) it->second = std::min(it->second, detected);
  }
  int32_t in_a_row = 0;
  std::optional<absl::Time> last_recovered;
  auto count = [&](absl::Time first_detected) {
    if (last_recovered.has_value() && first_detected - *last_recovered >= stable_run) in_a_row = 0;
    ++in_a_row;
  };
  for (const auto& [recovered, first_detected] : incidents) {
    count(first_detected);
    last_recovered = recovered;
  }
  if (active.has_value()) {
    count(*active);
  } else if (last_recovered.has_value() && trigger - *last_recovered >= stable_run) {
    in_a_row = 0;
  }
  return in_a_row;
}

absl::Duration TimeoutOf(const RecoveryTimeouts& timeouts, RecoveryLevel level) {
  switch (level) {
    case RecoveryLevel::kInPlace:
      return timeouts.in_place;
    case RecoveryLevel::kReschedulePod:
      return timeouts.reschedule_pod;
    case RecoveryLevel::kRestartJob:
      return timeouts.restart_job;
  }
  return timeouts.restart_job;
}

RecoveryDecision DecideRecovery(const kube::FaultToleranceSpec& spec,
                                const kube::RestartCounts& restarts,
                                const std::optional<RecoveryAttempt>& attempt,
                                const std::vector<kube::FaultRecord>& new_faults, absl::Time now,
                                const RecoveryTimeouts& timeouts,
                                std::optional<int32_t> restarts_in_a_row) {
  const bool timed_out =
      attempt.has_value() && now - attempt->started_at >= TimeoutOf(timeouts, attempt->level);
  if (new_faults.empty() && !timed_out) return {};
  RecoveryLevel needed = RecoveryLevel::kInPlace;
  absl::Time trigger = absl::InfinitePast();
  bool attempt_failed = timed_out;
  std::string cause = timed_out ? "the recovery attempt timed out" : "";
  for (const kube::FaultRecord& fault : new_faults) {
    needed = std::max(needed, LowestLevelFor(fault.fault_class));
    const absl::Time detected = fault.detected_at.value_or(now);
    trigger = std::max(trigger, detected);
    if (attempt.has_value() && detected > attempt->started_at) attempt_failed = true;
    if (cause.empty()) cause = Describe(fault);
  }
  if (timed_out) {
    trigger = std::max(trigger, attempt->started_at + TimeoutOf(timeouts, attempt->level));
  }
  if (attempt.has_value()) {
    if (attempt_failed) needed = std::max(needed, Next(attempt->level));
    if (!attempt_failed && needed <= attempt->level) {
      return {.action = RecoveryAction::kJoin, .level = attempt->level, .reason = cause};
    }
  }
  std::optional<RecoveryLevel> level = LowestAllowedFrom(spec, needed);
  if (!level.has_value()) {
    return Fail(absl::StrCat("faultTolerance.recoveryLevels: no allowed level at or above ",
                             kube::EnumName(needed), " for ", cause));
  }
  if (restarts.total >= spec.max_restarts) {
    return Fail(absl::StrCat("faultTolerance.maxRestarts: all ", spec.max_restarts,
                             " restarts are used; ", cause, " needs another"));
  }
  const absl::Time not_before =
      trigger + BackoffDelay(spec.backoff, restarts_in_a_row.value_or(restarts.total));
  const RecoveryAction action = now < not_before ? RecoveryAction::kWait : RecoveryAction::kStart;
  return {.action = action, .level = *level, .not_before = not_before, .reason = cause};
}

void CountRestart(kube::RecoveryLevel level, kube::RestartCounts* restarts) {
  ++restarts->total;
  switch (level) {
    case RecoveryLevel::kInPlace:
      ++restarts->in_place;
      break;
    case RecoveryLevel::kReschedulePod:
      ++restarts->reschedule_pod;
      break;
    case RecoveryLevel::kRestartJob:
      ++restarts->restart_job;
      break;
  }
}

}  // namespace flyover::op
