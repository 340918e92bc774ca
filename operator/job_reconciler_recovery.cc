// JobReconciler's recovery side: one step of the recovery ladder per reconcile
// (recovery/recovery_status.h), carried out on the pods and the supervision registry.
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/scheduling_annotations.h"
#include "operator/job_reconciler.h"
#include "operator/job_reconciler_run.h"
#include "operator/recovery/recovery_status.h"

namespace flyover::op {
namespace {

int32_t GenerationOf(const nlohmann::json& pod) {
  const nlohmann::json labels = pod["metadata"].value("labels", nlohmann::json::object());
  int32_t generation = -1;
  if (labels.is_object() &&
      absl::SimpleAtoi(labels.value(kube::scheduling::kLabelGeneration, ""), &generation)) {
    return generation;
  }
  return -1;
}

}  // namespace

absl::StatusOr<std::optional<kube::Result>> JobReconciler::Recover(
    Run& run, const std::optional<JobProgress>& progress, kube::PostTrainingJobStatus status) {
  const RecoveryStep step = AdvanceRecovery(run.job.spec, progress, run.now,
                                            options_.recovery_timeouts, &status);
  const RecoveryDecision& decision = step.decision;
  if (decision.action == RecoveryAction::kFail) {
    const std::string reason = absl::StrContains(decision.reason, "maxRestarts")
                                   ? "MaxRestartsExceeded"
                                   : "NoRecoveryLevel";
    kube::PostTrainingJob failed = run.job;
    failed.status = std::move(status);
    Event(run, true, reason, decision.reason);
    RETURN_IF_ERROR(WriteStatus(
        run, FailedStatus(failed, kConditionFailed, reason, decision.reason, run.now)));
    return Finish(run);
  }
  SetRecoveringCondition(run.job.status, run.now, &status);
  RETURN_IF_ERROR(WriteStatus(run, std::move(status)));
  if (step.recovered_at.has_value() && step.previous_level.has_value()) {
    Event(run, false, "Recovered",
          absl::StrCat("recovered by ", kube::EnumName(*step.previous_level), " in generation ",
                       run.job.status.restart_generation,
                       ": every pod completed a step in the new generation"));
  }
  switch (decision.action) {
    case RecoveryAction::kWait:
      return kube::Result{.requeue_after = decision.not_before - run.now};
    case RecoveryAction::kStart: {
      Event(run, false, step.previous_level.has_value() ? "RecoveryEscalated" : "RecoveryStarted",
            absl::StrCat(kube::EnumName(decision.level), " into generation ",
                         run.job.status.restart_generation, " (restart ",
                         run.job.status.restarts.total, " of at most ",
                         run.job.spec.fault_tolerance.max_restarts, "): ", decision.reason));
      // Carry the new attempt out now (pods, registry, rank table), unless the pod cache
      // has yet to show this reconcile's own pod writes: then as soon as it does.
      ASSIGN_OR_RETURN(std::optional<std::vector<nlohmann::json>> pods, SettledPods(run));
      if (!pods.has_value()) return kube::Result{.requeue_after = kCacheCatchUp};
      JobObservation again;
      RETURN_IF_ERROR(SyncAndObservePods(run, *pods, &again));
      return kube::Result{.requeue_after = options_.running_resync};
    }
    case RecoveryAction::kNone:
    case RecoveryAction::kJoin:
    case RecoveryAction::kFail:
      break;
  }
  return std::nullopt;
}

absl::Status JobReconciler::QueueRestartInPlace(Run& run) {
  const int32_t generation = run.job.status.restart_generation;
  int queued = 0;
  for (const auto& [rank, pod] : run.current) {
    if (GenerationOf(pod) >= generation) continue;
    const std::string name = pod["metadata"].value("name", "");
    absl::StatusOr<std::string> id = registry_->AddCommand(
        run.id, name, {.kind = kCommandRestartInPlace, .generation = generation});
    RETURN_IF_ERROR(id.status());
    ++queued;
  }
  if (queued > 0) {
    Event(run, false, "RestartInPlace",
          absl::StrCat("asked ", queued, " pods to restart their ranks in generation ",
                       generation, " from the newest complete state"));
  }
  return absl::OkStatus();
}

}  // namespace flyover::op
