#include "nodesim/device_nodes.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "device-plugin/api/protocol.h"

namespace flyover::nodesim {

absl::StatusOr<std::unique_ptr<NodeDevices>> NodeDevices::Start(
    kube::RestClient* client, const std::vector<std::string>& nodes, NodeDevicesOptions options) {
  if (options.root_dir.empty()) return absl::InvalidArgumentError("root_dir: must not be empty");
  std::unique_ptr<NodeDevices> devices(new NodeDevices(client, options));
  devices->status_.Start();
  DeviceNodeStatus* status = &devices->status_;
  for (const std::string& node : nodes) {
    absl::StatusOr<std::unique_ptr<DeviceManager>> manager = DeviceManager::Start(
        {.node_name = node,
         .device_plugin_dir = deviceplugin::JoinSocketPath(options.root_dir, node),
         .rpc_timeout = options.rpc_timeout,
         .expected_resources = options.expected_resources,
         .on_resources = [status, node](const ResourceCountMap& counts) {
           status->Update(node, counts);
         }});
    if (!manager.ok()) return Annotate(manager.status(), absl::StrCat("node ", node));
    devices->managers_[node] = std::move(*manager);
  }
  return devices;
}

NodeDevices::NodeDevices(kube::RestClient* client, const NodeDevicesOptions& options)
    : status_(client, {.retry_interval = options.status_retry, .chaos = options.chaos}) {}

NodeDevices::~NodeDevices() { Shutdown(); }

void NodeDevices::Shutdown() {
  for (auto& [node, manager] : managers_) manager->Shutdown();
  status_.Stop();
}

DeviceManager* NodeDevices::ForNode(const std::string& node) const {
  auto it = managers_.find(node);
  return it == managers_.end() ? nullptr : it->second.get();
}

absl::StatusOr<PodDevices> NodeDevices::Allocate(const kube::core::Pod& pod) {
  std::string earlier_node;
  {
    absl::MutexLock lock(&mu_);
    auto it = pod_nodes_.find(PodKey(pod));
    if (it != pod_nodes_.end() && it->second != pod.spec.node_name) earlier_node = it->second;
  }
  // A pod of that name held devices on another node: that pod is gone.
  if (!earlier_node.empty()) Release(PodKey(pod));
  DeviceManager* manager = ForNode(pod.spec.node_name);
  if (manager == nullptr) return PodDevices{.uid = pod.metadata.uid};
  absl::StatusOr<PodDevices> held = manager->Allocate(pod);
  if (held.ok() && !held->containers.empty()) {
    absl::MutexLock lock(&mu_);
    pod_nodes_[PodKey(pod)] = pod.spec.node_name;
  }
  return held;
}

void NodeDevices::Release(const std::string& pod_key) {
  std::string node;
  {
    absl::MutexLock lock(&mu_);
    auto it = pod_nodes_.find(pod_key);
    if (it == pod_nodes_.end()) return;
    node = it->second;
    pod_nodes_.erase(it);
  }
  if (DeviceManager* manager = ForNode(node); manager != nullptr) manager->Release(pod_key);
}

ResourceCountMap NodeDevices::Counts(const std::string& node) const {
  DeviceManager* manager = ForNode(node);
  return manager == nullptr ? ResourceCountMap() : manager->Resources();
}

}  // namespace flyover::nodesim
