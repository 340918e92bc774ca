// The recovery ladder's bookkeeping in a PostTrainingJob's status, as pure functions. The
// status alone says where recovery stands, so a repeated reconcile (or another replica after
// a failover) never starts a second recovery for one incident:
//   - a fault without recoveryLevel is not handled yet;
//   - the incident in progress is the faults with a recoveryLevel and no recoveredAt; the
//     attempt runs in status.restartGeneration at that level;
//   - it completes once every pod of that generation has reported a step past its first
//     Running step there (recoveredAt = when the last one did; recoveryMillis = recoveredAt
//     - detectedAt, per fault; what the incident cost is added to status.unproductiveMillis:
//     recovery/goodput.h).
//   - report-only faults (Straggler) never get a recoveryLevel: they start nothing.
// AdvanceRecovery applies one step of recovery_policy.h to a status computed by NextStatus:
// completes the incident, joins or starts an attempt (a start bumps restartGeneration and
// counts the restart by level), and sets phase Recovering while faults are being handled.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_RECOVERY_RECOVERY_STATUS_H_
#define FLYOVER_OPERATOR_RECOVERY_RECOVERY_STATUS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "operator/recovery/recovery_policy.h"
#include "operator/supervision/supervision_registry.h"

namespace flyover::op {

struct RecoveryStep {
  RecoveryDecision decision;
  // The incident in progress completed in this step, at this time.
  std::optional<absl::Time> recovered_at;
  // The attempt in progress before this step, if any (for events: an escalation).
  std::optional<kube::RecoveryLevel> previous_level;
};

// `progress` is the registry's view of the job (any generation; only the status's current
// generation counts). Leaves a finished status alone.
RecoveryStep AdvanceRecovery(const kube::PostTrainingJobSpec& spec,
                             const std::optional<JobProgress>& progress, absl::Time now,
                             const RecoveryTimeouts& timeouts, kube::PostTrainingJobStatus* status);

// The level of the incident in progress, if one is.
std::optional<kube::RecoveryLevel> ActiveRecoveryLevel(const kube::PostTrainingJobStatus& status);

// The rank indexes whose pods must be of status.restartGeneration because the incident in
// progress replaces them (ReschedulePod: the pods with a fault that needs a new pod —
// ranks that exited on a healthy pod restart in place — or, when none has one, every faulty
// pod; RestartJob: every rank).
std::map<int32_t, int32_t> RequiredPodGenerations(absl::string_view job_name, int32_t replicas,
                                                  const kube::PostTrainingJobStatus& status);

// The rank index of pod "<job>-<rank>-g<generation>", or nullopt for another name.
std::optional<int32_t> RankIndexOfPod(absl::string_view job_name, absl::string_view pod);

// When every pod of `progress` completed a step past its baseline, if all have.
std::optional<absl::Time> StepCompletedByAllPods(const JobProgress& progress);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_RECOVERY_RECOVERY_STATUS_H_
