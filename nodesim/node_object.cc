#include "nodesim/node_object.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "common/topology.h"

namespace flyover::nodesim {
namespace {

namespace topology = ::flyover::topology;
using kube::ConditionStatus;
using kube::core::Node;
using kube::core::NodeAddress;
using kube::core::NodeCondition;
using nlohmann::json;

struct ConditionTemplate {
  const char* type;
  ConditionStatus status;
  const char* reason;
  const char* message;
};

constexpr ConditionTemplate kConditions[] = {
    {"MemoryPressure", ConditionStatus::kFalse, "KubeletHasSufficientMemory",
     "kubelet has sufficient memory available"},
    {"DiskPressure", ConditionStatus::kFalse, "KubeletHasNoDiskPressure",
     "kubelet has no disk pressure"},
    {"PIDPressure", ConditionStatus::kFalse, "KubeletHasSufficientPID",
     "kubelet has sufficient PID available"},
    {"Ready", ConditionStatus::kTrue, "KubeletReady", "kubelet is posting ready status"},
};

// The node's capacity, or its allocatable: the static list, with each device-plugin resource
// its device manager counts in place of the static count.
kube::core::ResourceList Resources(const std::string& node, const NodeObjectOptions& options,
                                   bool allocatable) {
  kube::core::ResourceList list = {
      {std::string(topology::kResourceName), absl::StrCat(topology::kDiesPerNode)},
      {"cpu", options.cpu},
      {"memory", options.memory},
      {"pods", options.pods}};
  if (!options.device_counts) return list;
  for (const auto& [resource, counts] : options.device_counts(node)) {
    list[resource] = absl::StrCat(allocatable ? counts.allocatable : counts.capacity);
  }
  return list;
}

}  // namespace

std::vector<NodeCondition> KubeletConditions(const kube::core::NodeStatus* current,
                                             absl::Time now) {
  std::vector<NodeCondition> out;
  for (const ConditionTemplate& t : kConditions) {
    NodeCondition c{.type = t.type, .status = t.status, .last_heartbeat_time = now,
                    .last_transition_time = now, .reason = t.reason, .message = t.message};
    const NodeCondition* old = current ? FindNodeCondition(*current, t.type) : nullptr;
    if (old != nullptr && old->status == t.status && old->last_transition_time) {
      c.last_transition_time = old->last_transition_time;
    }
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

json DaemonEndpoints(const NodeObjectOptions& options) {
  return {{"kubeletEndpoint", {{"Port", options.kubelet_port}}}};
}

std::vector<NodeAddress> Addresses(const std::string& name, const NodeObjectOptions& options) {
  return {{.type = "InternalIP", .address = options.internal_ip},
          {.type = "Hostname", .address = name}};
}

}  // namespace

Node BuildNode(const SimNodeSpec& spec, const NodeObjectOptions& options, absl::Time now) {
  Node node;
  node.metadata.name = spec.name;
  node.metadata.labels = {
      {std::string(topology::kLabelAccelerator), std::string(topology::kAcceleratorAscend910)},
      {std::string(topology::kLabelAcceleratorType), std::string(topology::kAcceleratorTypeA3SuperPod)},
      {std::string(topology::kLabelChipName), std::string(topology::kChipName910C)},
      {std::string(topology::kLabelSuperPodId), absl::StrCat(spec.super_pod_id)},
      {std::string(topology::kLabelRackId), absl::StrCat(spec.rack_id)},
      {std::string(topology::kLabelServerId), absl::StrCat(spec.server_id)},
      {"kubernetes.io/hostname", spec.name},
      {"kubernetes.io/os", "linux"},
      {"kubernetes.io/arch", "amd64"},
      {"type", "flyover-nodesim"},
      {kLabelNodesimMode, std::string(PodModeName(spec.mode))},
  };
  node.status.capacity = Resources(spec.name, options, false);
  node.status.allocatable = Resources(spec.name, options, true);
  node.status.conditions = KubeletConditions(nullptr, now);
  node.status.addresses = Addresses(spec.name, options);
  node.status.rest = {{"daemonEndpoints", DaemonEndpoints(options)},
                      {"nodeInfo", {{"kubeletVersion", "v1.29.0-flyover-nodesim"},
                                    {"operatingSystem", "linux"},
                                    {"architecture", "amd64"}}}};
  return node;
}

json NodeStatusPatch(const Node& current, const SimNodeSpec& spec,
                     const NodeObjectOptions& options, absl::Time now) {
  json conditions = json::array();
  for (const NodeCondition& c : KubeletConditions(&current.status, now)) conditions.push_back(c);
  json addresses = json::array();
  for (const NodeAddress& a : Addresses(spec.name, options)) addresses.push_back(a);
  return {{"status",
           {{"conditions", std::move(conditions)},
            {"capacity", Resources(spec.name, options, false)},
            {"allocatable", Resources(spec.name, options, true)},
            {"addresses", std::move(addresses)},
            {"daemonEndpoints", DaemonEndpoints(options)}}}};
}

kube::core::Lease BuildLease(const std::string& node_name, const std::string& node_uid,
                             const NodeObjectOptions& options, absl::Time now) {
  kube::core::Lease lease;
  lease.metadata.name = node_name;
  lease.metadata.namespace_ = kNodeLeaseNamespace;
  if (!node_uid.empty()) {
    lease.metadata.owner_references.push_back(
        {.api_version = "v1", .kind = "Node", .name = node_name, .uid = node_uid});
  }
  lease.spec.holder_identity = node_name;
  lease.spec.lease_duration_seconds =
      static_cast<int32_t>(absl::ToInt64Seconds(options.lease_duration));
  lease.spec.renew_time = now;
  return lease;
}

json LeaseRenewPatch(absl::Time now) {
  return {{"spec", {{"renewTime", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", now,
                                                   absl::UTCTimeZone())}}}};
}

}  // namespace flyover::nodesim
