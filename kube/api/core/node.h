// core/v1 Node, typed for the scheduler, device plugin and node simulator: cordoning
// (unschedulable), taints, capacity/allocatable (quantities as strings, see quantity.h),
// conditions with heartbeats, and addresses. Unmodelled fields are kept in `rest` and
// written back on encode; unknown fields are not errors, wrong types of modelled ones are.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_NODE_H_
#define FLYOVER_KUBE_API_CORE_NODE_H_

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

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // "NoSchedule", "PreferNoSchedule", "NoExecute"
  nlohmann::json rest;  // timeAdded

  bool operator==(const Taint&) const = default;
};

struct NodeSpec {
  bool unschedulable = false;
  std::vector<Taint> taints;
  nlohmann::json rest;  // podCIDR, providerID, ...

  bool operator==(const NodeSpec&) const = default;
};

// A NodeCondition (Ready, MemoryPressure, DiskPressure, PIDPressure, ...).
struct NodeCondition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  std::optional<absl::Time> last_heartbeat_time;
  std::optional<absl::Time> last_transition_time;
  std::string reason;
  std::string message;
  nlohmann::json rest;

  bool operator==(const NodeCondition&) const = default;
};

struct NodeAddress {
  std::string type;  // "InternalIP", "Hostname", ...
  std::string address;
  nlohmann::json rest;

  bool operator==(const NodeAddress&) const = default;
};

struct NodeStatus {
  ResourceList capacity;
  ResourceList allocatable;
  std::vector<NodeCondition> conditions;
  std::vector<NodeAddress> addresses;
  nlohmann::json rest;  // nodeInfo, images, daemonEndpoints, ...

  bool operator==(const NodeStatus&) const = default;
};

struct Node {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  NodeSpec spec;
  NodeStatus status;
  nlohmann::json rest;

  bool operator==(const Node&) const = default;
};

[[nodiscard]] absl::StatusOr<Node> DecodeNode(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeNode(const Node& node);

// The condition of `type`, or null.
[[nodiscard]] const NodeCondition* FindNodeCondition(const NodeStatus& status,
                                                     absl::string_view type);
// True when the Ready condition is True (whatever spec.unschedulable says).
[[nodiscard]] bool IsReady(const Node& node);
// The first address of `type` ("InternalIP"), or "".
[[nodiscard]] std::string NodeAddressOf(const Node& node, absl::string_view type);

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               Taint* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               NodeCondition* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               NodeAddress* out);
void to_json(nlohmann::json& j, const Taint& taint);
void to_json(nlohmann::json& j, const NodeCondition& condition);
void to_json(nlohmann::json& j, const NodeAddress& address);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_NODE_H_
