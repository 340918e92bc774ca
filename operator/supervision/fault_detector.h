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
// The reconciler adds PodFailed, PodDeleted and NodeNotReady (job_reconciler.h).
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_SUPERVISION_FAULT_DETECTOR_H_
#define FLYOVER_OPERATOR_SUPERVISION_FAULT_DETECTOR_H_

#include <string>
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

// Every class, for metrics created at zero.
const std::vector<std::string>& FaultClasses();

inline constexpr int kHangStepMultiple = 10;

struct JobProgress;  // supervision_registry.h

std::vector<kube::FaultRecord> FaultsInHeartbeat(const Heartbeat& heartbeat, absl::Time now);

std::vector<kube::FaultRecord> StallFaults(const JobProgress& progress,
                                           const kube::FaultToleranceSpec& spec, absl::Time now);

// The hang threshold for a job whose recent step times are `step_millis`.
absl::Duration HangThreshold(const std::vector<double>& step_millis,
                             const kube::FaultToleranceSpec& spec);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SUPERVISION_FAULT_DETECTOR_H_
