// What nodesim reports about a pod, as pure functions: the pod's mode and succeed-after
// (annotations over node defaults), the simulated Pending -> Running -> Succeeded status
// patches, and the status of a pod whose containers run as processes.
//
// Every builder returns a JSON merge patch for the pods/status subresource:
// {"status": {...}}, replacing conditions and containerStatuses whole.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_NODESIM_POD_STATUS_H_
#define FLYOVER_NODESIM_POD_STATUS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/api/core/pod.h"
#include "nlohmann/json.hpp"
#include "nodesim/topology_config.h"

namespace flyover::nodesim {

// Pod annotation choosing the pod's mode over its node's: "simulated" / "process".
inline constexpr char kAnnotationMode[] = "nodesim.flyover.dev/mode";
// Pod annotation: a simulated pod turns Succeeded this long after it started ("30s").
inline constexpr char kAnnotationSucceedAfter[] = "nodesim.flyover.dev/succeed-after";

// The pod's mode: its annotation when set, else `node_mode`. InvalidArgument for a bad
// annotation.
[[nodiscard]] absl::StatusOr<PodMode> ResolvePodMode(const kube::core::Pod& pod,
                                                    PodMode node_mode);
// The pod's succeed-after: its annotation when set, else `fallback` (nullopt: never).
// InvalidArgument for an annotation that is not a non-negative duration.
[[nodiscard]] absl::StatusOr<std::optional<absl::Duration>> ResolveSucceedAfter(
    const kube::core::Pod& pod, std::optional<absl::Duration> fallback);

// A distinct IP for simulated pod number `slot` on node number `node_index`:
// 10.<node_index / 256 % 256>.<node_index % 256>.<2 + slot % 250>.
[[nodiscard]] std::string SimulatedPodIp(int node_index, uint64_t slot);

// Running since `start` with every container running and ready.
[[nodiscard]] nlohmann::json RunningStatusPatch(const kube::core::Pod& pod, absl::Time start,
                                                const std::string& pod_ip,
                                                const std::string& host_ip);
// Succeeded at `now`: every container terminated with exit code 0, "Completed".
[[nodiscard]] nlohmann::json SucceededStatusPatch(const kube::core::Pod& pod, absl::Time now);

// The status of a pod whose containers run as processes (process mode): `phase` and the
// containers' statuses as the runtime knows them; Ready when every container is ready.
[[nodiscard]] nlohmann::json ProcessStatusPatch(
    const std::string& phase, const std::vector<kube::core::ContainerStatus>& containers,
    absl::Time start, const std::string& pod_ip, const std::string& host_ip, absl::Time now);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_POD_STATUS_H_
