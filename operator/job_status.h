// The status a PostTrainingJob should have, as a pure function of what the reconciler
// observed (docs/design/operator.md, "Status"). Phases of one generation:
//
//   Pending     no pod of the generation exists yet
//   Scheduling  pods exist, not all are bound with their dies known
//   Running     the rank table is complete (every pod bound)
//   Recovering  set by the recovery ladder (recovery/recovery_status.h), not here
//   Succeeded   every rank of every pod reported Succeeded (or every pod Succeeded)
//   Suspended   spec.suspend: the pods are gone, the checkpoint stays
//   Failed      the spec is invalid, or the operator cannot run the job (a clear reason)
//
// Conditions (metav1.Condition): Valid, RankTableReady, Running, Suspended, Succeeded,
// Failed. Faults are the registry's, newest last, at most kMaxFaults. Step is the lowest
// step any pod reports; lastCheckpoint the newest committed checkpoint reported.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_JOB_STATUS_H_
#define FLYOVER_OPERATOR_JOB_STATUS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "operator/recovery/goodput.h"
#include "operator/supervision/supervision_registry.h"

namespace flyover::op {

inline constexpr char kConditionValid[] = "Valid";
inline constexpr char kConditionRankTableReady[] = "RankTableReady";
inline constexpr char kConditionRunning[] = "Running";
inline constexpr const char* kConditionSuspended = kSuspendedCondition;  // goodput.h
inline constexpr char kConditionSucceeded[] = "Succeeded";
inline constexpr char kConditionFailed[] = "Failed";

struct JobObservation {
  int32_t pods_existing = 0;  // of the current generation
  int32_t pods_bound = 0;     // bound with their dies annotated
  int32_t pods_succeeded = 0;
  bool rank_table_ready = false;
  std::optional<JobProgress> progress;  // the registry's view of the current generation
  std::vector<kube::FaultRecord> faults;
  std::optional<kube::PlacementSummary> placement;
};

// The next status of a valid, unsuspended job in the current generation.
kube::PostTrainingJobStatus NextStatus(const kube::PostTrainingJob& job,
                                       const JobObservation& observed, absl::Time now);

// While `status` is Recovering: condition Running False, reason Recovering, its transition
// time kept from `previous` (the status as last written) when that already said so.
void SetRecoveringCondition(const kube::PostTrainingJobStatus& previous, absl::Time now,
                            kube::PostTrainingJobStatus* status);

// The status of a suspended job: phase Suspended, condition Suspended True.
kube::PostTrainingJobStatus SuspendedStatus(const kube::PostTrainingJob& job, absl::Time now);

// The status of a job that cannot run: phase Failed, condition `condition_type` False (for
// Valid) and Failed True, both with `reason` and `message`.
kube::PostTrainingJobStatus FailedStatus(const kube::PostTrainingJob& job,
                                         const std::string& condition_type,
                                         const std::string& reason, const std::string& message,
                                         absl::Time now);

// Whether every rank of every pod in `progress` reported Succeeded, for `replicas` pods of
// `npus` ranks.
bool AllRanksSucceeded(const JobProgress& progress, int32_t replicas, int32_t npus);

bool IsFinished(const kube::PostTrainingJobStatus& status);

// A job that succeeded ran every step after its last recovery: any recovery still open in
// `status` (a level but no recoveredAt, e.g. when the last steps after an in-place restart
// finished between two reconciles) is closed at `now`, with its recoveryMillis.
void CloseOpenRecoveries(absl::Time now, kube::PostTrainingJobStatus* status);

// Whether `a` and `b` record the same fault (class, place and detection time to the whole
// second, as the status stores it), however far its recovery has gone.
bool SameFault(const kube::FaultRecord& a, const kube::FaultRecord& b);

// Merges `detected` into `faults` (no duplicates by SameFault; the recorded copy keeps its
// recovery fields), keeping the newest kMaxFaults. Returns
// the number added.
int MergeFaults(const std::vector<kube::FaultRecord>& detected,
                std::vector<kube::FaultRecord>* faults);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_JOB_STATUS_H_
