// NodeDevices: what flyover-nodesim runs toward device plugins — one DeviceManager (the
// kubelet's device manager, device_manager.h) per simulated node that runs real processes,
// each serving <root_dir>/<node>/kubelet.sock, and one DeviceNodeStatus writing their counts
// into the Nodes' status (capacity and allocatable of each plugin's resource). A
// flyover-device-plugin started with --device-plugin-dir=<root_dir>/<node> and
// --node-name=<node> registers with that node.
//
//   ASSIGN_OR_RETURN(auto devices, NodeDevices::Start(client, {"sp0-node00"}, {.root_dir = d}));
//   ASSIGN_OR_RETURN(PodDevices held, devices->Allocate(pod));  // before the pod starts
//   devices->Release("ml/w-0");                                 // the pod is gone
//
// Allocate() goes to the manager of the pod's spec.nodeName; a pod on a node without one
// gets nothing (an empty PodDevices), as a pod on a node without device plugins.
//
// Ownership: borrows the RestClient and the ChaosState. Thread-safety: thread-safe.
#ifndef FLYOVER_NODESIM_DEVICE_NODES_H_
#define FLYOVER_NODESIM_DEVICE_NODES_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kube/client/rest_client.h"
#include "nodesim/chaos_state.h"
#include "nodesim/device_manager.h"
#include "nodesim/device_node_status.h"

namespace flyover::nodesim {

struct NodeDevicesOptions {
  std::string root_dir;  // required: one directory per node inside it
  absl::Duration rpc_timeout = absl::Seconds(10);
  // See DeviceManagerOptions::expected_resources.
  std::vector<std::string> expected_resources;
  const ChaosState* chaos = nullptr;  // not owned; silenced nodes' status is not written
  absl::Duration status_retry = absl::Seconds(1);
};

class NodeDevices final : public PodDeviceAllocator {
 public:
  // Starts the managers and the status writer. The first manager's error, naming the node.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<NodeDevices>> Start(
      kube::RestClient* client, const std::vector<std::string>& nodes, NodeDevicesOptions options);
  ~NodeDevices() override;  // Shutdown()s
  NodeDevices(const NodeDevices&) = delete;
  NodeDevices& operator=(const NodeDevices&) = delete;

  // Stops every manager, then the status writer. Idempotent.
  void Shutdown();

  // The manager of `node`, or null when nodesim runs none there.
  [[nodiscard]] DeviceManager* ForNode(const std::string& node) const;
  // Allocates the pod's devices on its node (DeviceManager::Allocate).
  [[nodiscard]] absl::StatusOr<PodDevices> Allocate(const kube::core::Pod& pod) override
      ABSL_LOCKS_EXCLUDED(mu_);
  // Frees pod `pod_key`'s devices on whichever node holds them.
  void Release(const std::string& pod_key) override ABSL_LOCKS_EXCLUDED(mu_);
  // The counts of `node`'s device resources; empty when nodesim runs no manager there or no
  // plugin has listed anything yet.
  [[nodiscard]] ResourceCountMap Counts(const std::string& node) const;
  [[nodiscard]] const DeviceNodeStatus& node_status() const { return status_; }

 private:
  NodeDevices(kube::RestClient* client, const NodeDevicesOptions& options);

  DeviceNodeStatus status_;
  // Filled by Start() only; read-only afterwards.
  std::map<std::string, std::unique_ptr<DeviceManager>> managers_;
  absl::Mutex mu_;
  std::map<std::string, std::string> pod_nodes_ ABSL_GUARDED_BY(mu_);  // pod key -> node
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_NODES_H_
