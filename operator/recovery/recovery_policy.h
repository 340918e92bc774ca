// The recovery ladder's decisions (docs/design/operator.md, "Recovery"), as pure functions of
// the job's fault-tolerance spec, its restarts so far, the recovery attempt in progress (if
// any) and the faults not yet handled. The reconciler (job_reconciler.h) carries them out.
//
// Levels, mildest first: InPlace (restart the rank processes in the running pods, new
// generation) -> ReschedulePod (replace the faulty pod, same rank index) -> RestartJob (all
// pods, a fresh gang). Each fault class has a lowest level that can work for it:
//   RankExit, NaNLoss, Hang, HeartbeatTimeout            -> InPlace (the pod is alive)
//   PodFailed, PodDeleted, NodeNotReady, DeviceFault     -> ReschedulePod
//   Straggler                                            -> none: reported, never restarted
// The chosen level is the lowest one in faultTolerance.recoveryLevels at or above what the
// faults need. A fault detected after the current attempt started, or the attempt running
// past its level's timeout, means the attempt failed: the next level up is chosen (a failed
// RestartJob is retried as RestartJob). Faults detected before the attempt started join it
// when it is at least as strong as they need.
//
// Backoff: the n-th restart in a row (1-based) starts no earlier than
//   trigger + min(backoff.initialSeconds x 2^(n-1), backoff.maxSeconds)
// where trigger is the newest triggering fault's detection (or the attempt's timeout).
// Restarts in a row (RestartsInARow) are those since the job last ran `stable_run` after a
// recovery without a new fault: a recovery that held resets the backoff; a job that keeps
// failing keeps doubling it. maxRestarts counts every restart of the job's life.
// With restarts.total >= maxRestarts, or no allowed level, the decision is Fail with a
// reason naming the field. A fault on the rank-0 pod is handled like any other.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_RECOVERY_RECOVERY_POLICY_H_
#define FLYOVER_OPERATOR_RECOVERY_RECOVERY_POLICY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"

namespace flyover::op {

// How long an attempt at each level may take (start -> every pod completed a step in the
// new generation) before it counts as failed.
struct RecoveryTimeouts {
  absl::Duration in_place = absl::Seconds(60);
  absl::Duration reschedule_pod = absl::Seconds(180);
  absl::Duration restart_job = absl::Seconds(600);
  // How long a job must run after a recovery, fault-free, for the backoff to start over.
  absl::Duration stable_run = absl::Seconds(60);
};

struct RecoveryAttempt {
  kube::RecoveryLevel level = kube::RecoveryLevel::kInPlace;
  absl::Time started_at;
};

enum class RecoveryAction {
  kNone,   // nothing to do (no new fault, the attempt is within its time)
  kJoin,   // the new faults are covered by the attempt in progress
  kWait,   // a restart is due at `not_before` (backoff)
  kStart,  // start an attempt at `level` now
  kFail,   // the job fails with `reason`
};

struct RecoveryDecision {
  RecoveryAction action = RecoveryAction::kNone;
  kube::RecoveryLevel level = kube::RecoveryLevel::kInPlace;
  absl::Time not_before;
  std::string reason;  // for kFail: names the field and why; otherwise why this level
};

// The lowest level that can work for `fault_class` (unknown classes: ReschedulePod).
kube::RecoveryLevel LowestLevelFor(const std::string& fault_class);

// Whether faults of `fault_class` are only reported (status, Event, metrics) and never
// start, join or fail a recovery: Straggler (a slow rank still makes progress).
bool IsReportOnly(const std::string& fault_class);

// The wait before restart number restarts_so_far + 1.
absl::Duration BackoffDelay(const kube::BackoffSpec& backoff, int32_t restarts_so_far);

// The restarts in a row before the one `trigger` asks for, judged from the job's faults
// (status.faults): an incident is the faults recovered together (same recoveredAt), or the
// one in progress (a recoveryLevel, no recoveredAt); each needed a restart. The count
// starts over at an incident first detected `stable_run` or more after the previous one
// recovered, and is 0 when `trigger` comes that long after the last recovery.
int32_t RestartsInARow(const std::vector<kube::FaultRecord>& faults, absl::Time trigger,
                       absl::Duration stable_run);

// The timeout of an attempt at `level`.
absl::Duration TimeoutOf(const RecoveryTimeouts& timeouts, kube::RecoveryLevel level);

RecoveryDecision DecideRecovery(const kube::FaultToleranceSpec& spec,
                                const kube::RestartCounts& restarts,
                                const std::optional<RecoveryAttempt>& attempt,
                                const std::vector<kube::FaultRecord>& new_faults, absl::Time now,
                                const RecoveryTimeouts& timeouts = {},
                                std::optional<int32_t> restarts_in_a_row = std::nullopt);
// restarts_in_a_row: the backoff's count (RestartsInARow); nullopt = restarts.total.

// Counts one more restart at `level` in `restarts` (by level and total).
void CountRestart(kube::RecoveryLevel level, kube::RestartCounts* restarts);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_RECOVERY_RECOVERY_POLICY_H_
