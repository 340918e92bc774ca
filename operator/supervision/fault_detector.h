// Fault detection from what agents report, as pure functions: the registry
// (supervision_registry.h) runs FaultsInHeartbeat on every heartbeat, and the reconciler
// runs StallFaults while a job runs. Each FaultRecord carries its class, place (pod, node
// when known, rank) and detection time; the recovery ladder (recovery/recovery_policy.h) reads the class.
//
// Classes detected here:
//   RankExit          an agent's RankExit event, or a rank in state Exited with a non-zero
//                     exit code or a signal (detection_millis from the event's time)
//   NaNLoss           a rank reported a NaN loss
//   DeviceFault       the agent reported health Unhealthy
//   HeartbeatTimeout  a pod that has heartbeated has been silent for
//                     faultTolerance.heartbeatTimeoutSeconds
//   Hang              a pod's running ranks made no step progress for
//                     max(kHangStepMultiple x median step time, hangTimeoutSeconds)
//   Straggler         a running rank's step time exceeded StragglerOptions::ratio x the
//                     median of the job's other running ranks, and by at least
//                     StragglerOptions::floor, in `sustained_heartbeats` consecutive
//                     heartbeats of its pod; recorded once per episode (the episode ends
//                     with the first heartbeat in which the rank is not an outlier).
//                     Report only: the recovery ladder never restarts for it.
// The reconciler adds PodFailed, PodDeleted and NodeNotReady (job_reconciler.h).
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_SUPERVISION_FAULT_DETECTOR_H_
#define FLYOVER_OPERATOR_SUPERVISION_FAULT_DETECTOR_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "operator/supervision/heartbeat.h"

namespace flyover::op {

inline constexpr char kFaultRankExit[] = "RankExit";
inline constexpr char kFaultNaNLoss[] = "NaNLoss";
inline constexpr char kFaultDeviceFault[] = "DeviceFault";
inline constexpr char kFaultHeartbeatTimeout[] = "HeartbeatTimeout";
inline constexpr char kFaultHang[] = "Hang";
inline constexpr char kFaultPodFailed[] = "PodFailed";
inline constexpr char kFaultPodDeleted[] = "PodDeleted";
inline constexpr char kFaultNodeNotReady[] = "NodeNotReady";
inline constexpr char kFaultStraggler[] = "Straggler";

// Every class, for metrics created at zero.
const std::vector<std::string>& FaultClasses();

inline constexpr int kHangStepMultiple = 10;

struct JobProgress;  // supervision_registry.h

std::vector<kube::FaultRecord> FaultsInHeartbeat(const Heartbeat& heartbeat, absl::Time now);

std::vector<kube::FaultRecord> StallFaults(const JobProgress& progress,
                                           const kube::FaultToleranceSpec& spec, absl::Time now);

struct StragglerOptions {
  double ratio = 1.5;             // slower than ratio x the median of the other ranks
  absl::Duration floor = absl::Milliseconds(50);  // and by at least this much
  int sustained_heartbeats = 5;   // in this many consecutive heartbeats of its pod
};

// What StragglerFaults remembers between heartbeats of one job generation, per
// (pod, global rank): the current run of outlier heartbeats.
struct StragglerState {
  struct Run {
    int heartbeats = 0;
    absl::Time since;       // the first outlier heartbeat of the run
    bool reported = false;  // this episode's fault was returned
  };
  std::map<std::pair<std::string, int32_t>, Run> runs;
};

// The Straggler faults `heartbeat` completes, judged against the other ranks' newest step
// times in `progress` (which may already hold `heartbeat`). detection_millis counts from
// the episode's first outlier heartbeat. Updates `state`.
std::vector<kube::FaultRecord> StragglerFaults(const JobProgress& progress,
                                               const Heartbeat& heartbeat,
                                               const StragglerOptions& options,
                                               StragglerState* state, absl::Time now);

// The hang threshold for a job whose recent step times are `step_millis`.
absl::Duration HangThreshold(const std::vector<double>& step_millis,
                             const kube::FaultToleranceSpec& spec);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SUPERVISION_FAULT_DETECTOR_H_
