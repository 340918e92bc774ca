#include "operator/job_status.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "operator/supervision/heartbeat.h"

namespace flyover::op {
namespace {

using kube::ConditionStatus;
using kube::JobPhase;

void Set(kube::PostTrainingJobStatus* status, const kube::PostTrainingJob& job,
         const std::string& type, bool value, const std::string& reason, const std::string& message,
         absl::Time now) {
  kube::SetCondition(&status->conditions,
                     {.type = type,
                      .status = value ? ConditionStatus::kTrue : ConditionStatus::kFalse,
                      .observed_generation = job.metadata.generation,
                      .reason = reason,
                      .message = message},
                     now);
}

std::optional<int64_t> LowestStep(const JobProgress& progress) {
  std::optional<int64_t> lowest;
  for (const auto& [pod, seen] : progress.heartbeats) {
    lowest = lowest.has_value() ? std::min(*lowest, seen.step) : seen.step;
  }
  return lowest;
}

std::optional<int64_t> NewestCheckpoint(const JobProgress& progress) {
  std::optional<int64_t> newest;
  for (const auto& [pod, seen] : progress.heartbeats) {
    if (!seen.last.last_checkpoint_step.has_value()) continue;
    newest = std::max(newest.value_or(0), *seen.last.last_checkpoint_step);
  }
  return newest;
}

void ApplyProgress(const JobProgress& progress, absl::Time now,
                   kube::PostTrainingJobStatus* status) {
  if (std::optional<int64_t> step = LowestStep(progress); step.has_value()) {
    status->step = std::max(status->step, *step);
  }
  std::optional<int64_t> checkpoint = NewestCheckpoint(progress);
  if (checkpoint.has_value() &&
      (!status->last_checkpoint.has_value() || status->last_checkpoint->step < *checkpoint)) {
    status->last_checkpoint = kube::CheckpointRef{.step = *checkpoint, .time = now};
  }
  for (const Evaluation& eval : progress.evaluations) {
    if (!status->evaluation.has_value()) status->evaluation.emplace();
    if (eval.phase == "before") status->evaluation->accuracy_before = eval.accuracy;
    if (eval.phase == "after") status->evaluation->accuracy_after = eval.accuracy;
    status->evaluation->examples = eval.examples;
  }
}

JobPhase PhaseOf(const kube::PostTrainingJob& job, const JobObservation& observed) {
  const int32_t replicas = job.spec.replicas;
  const bool ranks_done =
      observed.progress.has_value() &&
      AllRanksSucceeded(*observed.progress, replicas, job.spec.npus_per_replica);
  if (ranks_done || (replicas > 0 && observed.pods_succeeded == replicas)) {
    return JobPhase::kSucceeded;
  }
  if (observed.rank_table_ready) return JobPhase::kRunning;
  if (observed.pods_existing == 0) return JobPhase::kPending;
  return JobPhase::kScheduling;
}

void SetPhaseConditions(const kube::PostTrainingJob& job, const JobObservation& observed,
                        JobPhase phase, absl::Time now, kube::PostTrainingJobStatus* status) {
  Set(status, job, kConditionValid, true, "Valid", "the spec is valid", now);
  status->suspended_millis += absl::ToInt64Milliseconds(SuspendedFor(*status, now));
  Set(status, job, kConditionSuspended, false, "NotSuspended", "spec.suspend is false", now);
  Set(status, job, kConditionRankTableReady, observed.rank_table_ready,
      observed.rank_table_ready ? "AllPodsBound" : "WaitingForPods",
      absl::StrCat(observed.pods_bound, " of ", job.spec.replicas,
                   " pods bound with their dies known"),
      now);
  const bool running = phase == JobPhase::kRunning;
  Set(status, job, kConditionRunning, running, running ? "RankTableCompleted" : "NotRunning",
      running ? "every pod is bound; the rank table is complete" : "the job is not running", now);
  if (phase == JobPhase::kSucceeded) {
    Set(status, job, kConditionSucceeded, true, "AllRanksSucceeded",
        "every rank of every pod reported success", now);
  }
}

}  // namespace

bool AllRanksSucceeded(const JobProgress& progress, int32_t replicas, int32_t npus) {
  if (replicas <= 0 || static_cast<int32_t>(progress.heartbeats.size()) != replicas) return false;
  for (const auto& [pod, seen] : progress.heartbeats) {
    if (static_cast<int32_t>(seen.last.ranks.size()) != npus) return false;
    for (const RankReport& rank : seen.last.ranks) {
      if (rank.state != kRankSucceeded) return false;
    }
  }
  return true;
}

void CloseOpenRecoveries(absl::Time now, kube::PostTrainingJobStatus* status) {
  for (kube::FaultRecord& fault : status->faults) {
    if (!fault.recovery_level.has_value() || fault.recovered_at.has_value()) continue;
    fault.recovered_at = now;
    if (fault.detected_at.has_value()) {
      fault.recovery_millis =
          std::max<int64_t>(0, absl::ToInt64Milliseconds(now - *fault.detected_at));
    }
  }
}

bool IsFinished(const kube::PostTrainingJobStatus& status) {
  return status.phase == JobPhase::kSucceeded || status.phase == JobPhase::kFailed;
}

// The status keeps RFC 3339 times in whole seconds: a fault read back from the API must
// match the one still held in memory with its milliseconds.
std::optional<int64_t> WholeSeconds(const std::optional<absl::Time>& time) {
  if (!time.has_value()) return std::nullopt;
  return absl::ToUnixSeconds(*time);
}

bool SameFault(const kube::FaultRecord& a, const kube::FaultRecord& b) {
  return a.fault_class == b.fault_class && a.pod == b.pod && a.rank == b.rank &&
         WholeSeconds(a.detected_at) == WholeSeconds(b.detected_at) && a.message == b.message;
}

int MergeFaults(const std::vector<kube::FaultRecord>& detected,
                std::vector<kube::FaultRecord>* faults) {
  int added = 0;
  for (const kube::FaultRecord& fault : detected) {
    const auto same = [&fault](const kube::FaultRecord& f) { return SameFault(f, fault); };
    if (std::any_of(faults->begin(), faults->end(), same)) continue;
    faults->push_back(fault);
    ++added;
  }
  if (faults->size() > kMaxFaults) {
    faults->erase(faults->begin(), faults->end() - static_cast<std::ptrdiff_t>(kMaxFaults));
  }
  return added;
}

kube::PostTrainingJobStatus NextStatus(const kube::PostTrainingJob& job,
                                       const JobObservation& observed, absl::Time now) {
  kube::PostTrainingJobStatus status = job.status;
  status.observed_generation = job.metadata.generation;
  status.total_steps = job.spec.training.steps;
  const JobPhase phase = PhaseOf(job, observed);
  status.phase = phase;
  if (observed.progress.has_value()) ApplyProgress(*observed.progress, now, &status);
  if (phase == JobPhase::kSucceeded) status.step = std::max(status.step, job.spec.training.steps);
  MergeFaults(observed.faults, &status.faults);
  if (observed.placement.has_value()) status.placement = observed.placement;
  if (phase == JobPhase::kRunning && !status.start_time.has_value()) status.start_time = now;
  if (phase == JobPhase::kSucceeded && !status.completion_time.has_value()) {
    status.completion_time = now;
  }
  if (phase == JobPhase::kSucceeded) CloseOpenRecoveries(now, &status);
  SetPhaseConditions(job, observed, phase, now, &status);
  return status;
}

void SetRecoveringCondition(const kube::PostTrainingJobStatus& previous, absl::Time now,
                            kube::PostTrainingJobStatus* status) {
  if (status->phase != JobPhase::kRecovering) return;
  kube::Condition running{.type = kConditionRunning,
                          .status = ConditionStatus::kFalse,
                          .observed_generation = status->observed_generation,
                          .reason = "Recovering",
                          .message = "a fault is being handled; the job runs again once "
                                     "every pod completes a step"};
  const kube::Condition* before = kube::FindCondition(previous.conditions, kConditionRunning);
  if (before != nullptr && before->status == ConditionStatus::kFalse) {
    running.last_transition_time = before->last_transition_time;
  }
  kube::SetCondition(&status->conditions, std::move(running), now);
}

kube::PostTrainingJobStatus SuspendedStatus(const kube::PostTrainingJob& job, absl::Time now) {
  kube::PostTrainingJobStatus status = job.status;
  status.observed_generation = job.metadata.generation;
  status.total_steps = job.spec.training.steps;
  status.phase = JobPhase::kSuspended;
  Set(&status, job, kConditionSuspended, true, "Suspended",
      "spec.suspend is true: the pods are deleted; resuming continues from the last checkpoint",
      now);
  Set(&status, job, kConditionRunning, false, "Suspended", "the job is suspended", now);
  Set(&status, job, kConditionRankTableReady, false, "Suspended", "the job is suspended", now);
  return status;
}

kube::PostTrainingJobStatus FailedStatus(const kube::PostTrainingJob& job,
                                         const std::string& condition_type,
                                         const std::string& reason, const std::string& message,
                                         absl::Time now) {
  kube::PostTrainingJobStatus status = job.status;
  status.observed_generation = job.metadata.generation;
  status.phase = JobPhase::kFailed;
  if (condition_type != kConditionFailed) {
    Set(&status, job, condition_type, false, reason, message, now);
  }
  Set(&status, job, kConditionFailed, true, reason, message, now);
  Set(&status, job, kConditionRunning, false, reason, "the job has failed", now);
  if (!status.completion_time.has_value()) status.completion_time = now;
  return status;
}

}  // namespace flyover::op
