// Goodput: the share of a job's wall time since it first ran (status.startTime) that went
// into new training steps, as pure functions of its status.
//
//   goodput = 1 - (status.unproductiveMillis + the incident in progress) / wall time
//
// Wall time runs from status.startTime and leaves out the time the job spent suspended
// (status.suspendedMillis and the suspension in progress): a pause the user asked for is
// neither productive nor lost.
//
// An incident's unproductive time is its recovery window (its earliest fault's detection ->
// every pod completed a step in the new generation) plus the steps it made the job redo
// (the highest step reached before it minus the lowest step a pod resumed from), valued at
// the median step time of the new generation. It is added to status.unproductiveMillis once,
// when the incident completes (recovery_status.h); an incident still in progress counts up
// to `now`, unless the job succeeded (it trained through the faults still open, to its last
// step). Report-only faults (Straggler) cost nothing here. Wall time ends at
// status.completionTime.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_RECOVERY_GOODPUT_H_
#define FLYOVER_OPERATOR_RECOVERY_GOODPUT_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "operator/supervision/supervision_registry.h"

namespace flyover::op {

// The condition a suspended job carries (job_status.h's kConditionSuspended).
inline constexpr char kSuspendedCondition[] = "Suspended";

// How long the suspension in progress has lasted at `now`: since condition Suspended turned
// True, or since startTime if later; zero while the job is not suspended or never started.
absl::Duration SuspendedFor(const kube::PostTrainingJobStatus& status, absl::Time now);

// The median of `samples` (0 when empty).
double MedianOf(std::vector<double> samples);

// The steps redone after resuming: `high_water_step` minus the lowest step a pod of
// `progress` started its generation at (0 when no pod has, or none resumed lower).
int64_t RecomputedSteps(int64_t high_water_step, const JobProgress& progress);

// The unproductive time of an incident whose `faults` (those it handled) recovered at
// `recovered_at`, having redone `recomputed_steps` of `median_step_millis` each.
int64_t IncidentUnproductiveMillis(const std::vector<kube::FaultRecord>& faults,
                                   absl::Time recovered_at, int64_t recomputed_steps,
                                   double median_step_millis);

// The goodput of a job with `status` at `now` (nothing before status.startTime), in [0, 1].
std::optional<double> Goodput(const kube::PostTrainingJobStatus& status, absl::Time now);

// `goodput` to two decimals, as status.goodput keeps it (so a running job's status changes
// only when its goodput moves by 0.01).
double RoundGoodput(double goodput);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_RECOVERY_GOODPUT_H_
