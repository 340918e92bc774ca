// core/v1 Pod, typed for what Flyover's operator, scheduler and node simulator use:
// placement (nodeName, schedulerName, nodeSelector, tolerations, priority), containers,
// and status (phase, conditions, IPs, container states). Fields not modelled are kept in
// the `rest` members and written back on encode, so nothing is lost in a round trip;
// unknown fields are not errors, modelled fields of the wrong type are (by path).
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_POD_H_
#define FLYOVER_KUBE_API_CORE_POD_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/api/core/container.h"
#include "kube/api/field_error.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

// PodStatus.phase values.
inline constexpr char kPodPending[] = "Pending";
inline constexpr char kPodRunning[] = "Running";
inline constexpr char kPodSucceeded[] = "Succeeded";
inline constexpr char kPodFailed[] = "Failed";
inline constexpr char kPodUnknown[] = "Unknown";

struct PodSpec {
  std::string node_name;
  std::string scheduler_name;
  std::string restart_policy;  // "Always", "OnFailure", "Never"
  std::optional<int32_t> priority;
  std::string priority_class_name;
  std::vector<Container> containers;
  std::map<std::string, std::string> node_selector;
  nlohmann::json tolerations;  // a list kept verbatim; null when absent
  std::optional<int64_t> termination_grace_period_seconds;
  nlohmann::json rest;  // volumes, affinity, initContainers, ...

  bool operator==(const PodSpec&) const = default;
};

// A PodCondition (PodScheduled, Initialized, ContainersReady, Ready, ...).
struct PodCondition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  std::optional<absl::Time> last_transition_time;
  std::string reason;
  std::string message;
  nlohmann::json rest;  // lastProbeTime, ...

  bool operator==(const PodCondition&) const = default;
};

struct PodStatus {
  std::string phase;
  std::vector<PodCondition> conditions;
  std::string pod_ip;
  std::string host_ip;
  std::optional<absl::Time> start_time;
  std::vector<ContainerStatus> container_statuses;
  nlohmann::json rest;  // podIPs, hostIPs, qosClass, initContainerStatuses, ...

  bool operator==(const PodStatus&) const = default;
};

struct Pod {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;  // metadata keys ObjectMeta does not model
  PodSpec spec;
  PodStatus status;
  nlohmann::json rest;

  bool operator==(const Pod&) const = default;
};

// Decodes a Pod; InvalidArgument lists every modelled field of the wrong type by path.
[[nodiscard]] absl::StatusOr<Pod> DecodePod(const nlohmann::json& value);
// apiVersion "v1", kind "Pod", and every field (modelled or kept).
[[nodiscard]] nlohmann::json EncodePod(const Pod& pod);

// The condition of `type`, or null.
[[nodiscard]] const PodCondition* FindPodCondition(const PodStatus& status,
                                                   absl::string_view type);
// True when the Ready condition is True.
[[nodiscard]] bool IsPodReady(const Pod& pod);
// The status of the container named `name`, or null.
[[nodiscard]] const ContainerStatus* FindContainerStatus(const PodStatus& status,
                                                         absl::string_view name);

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PodSpec* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PodCondition* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PodStatus* out);
void to_json(nlohmann::json& j, const PodSpec& spec);
void to_json(nlohmann::json& j, const PodCondition& condition);
void to_json(nlohmann::json& j, const PodStatus& status);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_POD_H_
