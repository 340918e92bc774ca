// The Kubernetes objects a simulated node is made of: its Node (Ascend labels of
// ASCEND.md, capacity and allocatable, the four kubelet conditions, addresses and the
// kubelet endpoint that `kubectl logs` is proxied to) and its Lease in kube-node-lease.
//
// Pure functions over plain values; thread-compatible.
#ifndef FLYOVER_NODESIM_NODE_OBJECT_H_
#define FLYOVER_NODESIM_NODE_OBJECT_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/core/lease.h"
#include "kube/api/core/node.h"
#include "nlohmann/json.hpp"
#include "nodesim/device_counts.h"
#include "nodesim/topology_config.h"

namespace flyover::nodesim {

inline constexpr char kNodeLeaseNamespace[] = "kube-node-lease";
// Node label carrying the node's default pod mode ("simulated" / "process").
inline constexpr char kLabelNodesimMode[] = "nodesim.flyover.dev/mode";

struct NodeObjectOptions {
  std::string cpu = "192";
  std::string memory = "1536Gi";
  std::string pods = "110";
  std::string internal_ip = "127.0.0.1";
  int kubelet_port = 10250;  // status.daemonEndpoints.kubeletEndpoint.Port
  absl::Duration lease_duration = absl::Seconds(40);
  // The counts of a node's device-plugin resources (device_nodes.h NodeDevices::Counts); each
  // resource counted replaces the static count in capacity and allocatable. Empty: static.
  std::function<ResourceCountMap(const std::string& node)> device_counts;
};

// The Node nodesim registers for `spec`, with every condition's heartbeat at `now`.
[[nodiscard]] kube::core::Node BuildNode(const SimNodeSpec& spec,
                                         const NodeObjectOptions& options, absl::Time now);

// The four conditions a healthy kubelet reports (Ready True, the pressures False), with
// heartbeat `now` and transition times kept from `current` (may be null) when unchanged.
[[nodiscard]] std::vector<kube::core::NodeCondition> KubeletConditions(
    const kube::core::NodeStatus* current, absl::Time now);

// The status merge patch of a kubelet heartbeat: the four conditions (Ready True, the
// pressures False) with lastHeartbeatTime `now` and transition times kept from `current`
// when the status did not change, plus capacity, allocatable, addresses and endpoints.
[[nodiscard]] nlohmann::json NodeStatusPatch(const kube::core::Node& current,
                                             const SimNodeSpec& spec,
                                             const NodeObjectOptions& options, absl::Time now);

// The node's Lease: holder = the node, owned by the Node `node_uid` (as the kubelet sets
// it, so the lease goes with the node), renewed at `now`.
[[nodiscard]] kube::core::Lease BuildLease(const std::string& node_name,
                                           const std::string& node_uid,
                                           const NodeObjectOptions& options, absl::Time now);

// The merge patch that renews a lease at `now` (microsecond MicroTime).
[[nodiscard]] nlohmann::json LeaseRenewPatch(absl::Time now);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_NODE_OBJECT_H_
