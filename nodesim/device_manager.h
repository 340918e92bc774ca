// DeviceManager: one simulated node's kubelet device manager. It serves the kubelet
// Registration service on <device_plugin_dir>/kubelet.sock (deviceplugin_api's
// KubeletRegistrationServer), connects to each plugin that registers and consumes its
// ListAndWatch stream; the devices listed become the node's capacity (all) and allocatable
// (the healthy ones) for the plugin's resource (device_table.h), reported through
// Resources() and the on_resources callback, so the node heartbeater can patch the Node.
//
//   ASSIGN_OR_RETURN(auto devices, DeviceManager::Start({.node_name = "sp0-node00",
//                                                        .device_plugin_dir = dir}));
//   ASSIGN_OR_RETURN(PodDevices held, devices->Allocate(pod));  // before starting the pod
//   ... apply held.Find("worker")->envs to the process ...
//   devices->Release("ml/w-0");                                 // when the pod is gone
//
// Allocate(pod), as the kubelet admits a pod: for each container and each resource it
// requests that a plugin serves (one that has registered, or is in expected_resources),
// picks as many devices among the healthy ones no pod holds — the plugin's
// GetPreferredAllocation answer when the plugin offers it and the answer is a valid pick,
// else the first free ones in the plugin's order — calls Allocate with them, and records
// the pod as their holder; PreStartContainer follows when the plugin asks for it. The pod's
// answers are kept: calling Allocate again for the same pod (same uid) returns them
// without asking the plugins again; a new uid under the same name frees the old pod's
// devices first. Resources no plugin serves (cpu, memory, others) are not its business.
//
// Errors name the pod, the container and the resource (device_request.h DeviceError), and
// nothing stays held when any container fails; the kubelet then fails the pod with reason
// UnexpectedAdmissionError. Unavailable: no plugin serves an expected resource, or the
// plugin's stream has ended (it is gone), or the manager is shut down. FailedPrecondition:
// fewer healthy free devices than requested. InvalidArgument: a malformed quantity. Errors of
// GetPreferredAllocation, Allocate and PreStartContainer keep the plugin's code.
//
// Thread-safety: all methods may be called from any thread; allocations are serialised (one
// admission at a time, as in the kubelet). on_resources runs on a plugin's watch thread,
// one call at a time, after each change of the counts, without the manager's state lock:
// it may call Resources() but not Shutdown().
// Ownership: Shutdown() (or the destructor) stops serving, closes every plugin connection
// and removes kubelet.sock; the directory is left in place.
#ifndef FLYOVER_NODESIM_DEVICE_MANAGER_H_
#define FLYOVER_NODESIM_DEVICE_MANAGER_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "device-plugin/api/kubelet_server.h"
#include "kube/api/core/pod.h"
#include "nodesim/device_request.h"
#include "nodesim/device_table.h"

namespace flyover::nodesim {

struct DeviceManagerOptions {
  std::string node_name;          // for log lines
  std::string device_plugin_dir;  // required; created when missing; holds kubelet.sock
  // Deadline of each call to a plugin (see PluginClientOptions).
  absl::Duration rpc_timeout = absl::Seconds(10);
  // Resources a pod may only get from a plugin: a pod requesting one before its plugin
  // registered fails (Unavailable) instead of being started without devices.
  std::vector<std::string> expected_resources;
  // Called with every resource's counts after they change. May be empty.
  std::function<void(const ResourceCountMap&)> on_resources;
};

class DeviceManager {
 public:
  // Creates the directory and serves kubelet.sock. InvalidArgument for an empty directory or
  // a socket path too long for a unix socket (107 bytes); Internal when the directory cannot
  // be created; Unavailable when the socket cannot be bound.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<DeviceManager>> Start(
      DeviceManagerOptions options);
  ~DeviceManager();
  DeviceManager(const DeviceManager&) = delete;
  DeviceManager& operator=(const DeviceManager&) = delete;

  // Idempotent.
  void Shutdown() ABSL_LOCKS_EXCLUDED(mu_);

  // The devices' counts per resource, for the Node's capacity and allocatable.
  [[nodiscard]] ResourceCountMap Resources() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until `predicate(Resources())` holds; whether it did in time.
  [[nodiscard]] bool WaitForResources(const std::function<bool(const ResourceCountMap&)>& predicate,
                                      absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

  // Allocates the pod's devices (see above).
  [[nodiscard]] absl::StatusOr<PodDevices> Allocate(const kube::core::Pod& pod)
      ABSL_LOCKS_EXCLUDED(allocate_mu_, mu_);
  // Frees the devices of pod `pod_key` ("namespace/name"): it is gone or has terminated.
  void Release(const std::string& pod_key) ABSL_LOCKS_EXCLUDED(mu_);
  // What pod `pod_key` holds, if anything.
  [[nodiscard]] std::optional<PodDevices> Allocation(const std::string& pod_key) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Device id -> holding pod key, for `resource`.
  [[nodiscard]] std::map<std::string, std::string> Holders(const std::string& resource) const
      ABSL_LOCKS_EXCLUDED(mu_);

  std::string socket_path() const;
  const std::string& device_plugin_dir() const { return options_.device_plugin_dir; }

 private:
  explicit DeviceManager(DeviceManagerOptions options);
  void OnDevices(const std::string& resource, const deviceplugin::DeviceList& devices)
      ABSL_LOCKS_EXCLUDED(notify_mu_, mu_);
  bool StreamOpen(const std::string& resource) const;
  void NotifyResources() ABSL_LOCKS_EXCLUDED(notify_mu_, mu_);
  bool IsDeviceResource(absl::string_view resource) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AllocateContainer(const std::string& pod_key, const DeviceRequest& request,
                                 ContainerDevices* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(allocate_mu_)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<std::string>> ChooseDevices(
      const deviceplugin::RegisteredPlugin& plugin, const DeviceRequest& request)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(allocate_mu_) ABSL_LOCKS_EXCLUDED(mu_);

  const DeviceManagerOptions options_;
  std::unique_ptr<deviceplugin::KubeletRegistrationServer> kubelet_;
  // kubelet_ as seen by watch threads, which may run before Start() has stored it.
  std::atomic<deviceplugin::KubeletRegistrationServer*> kubelet_for_callbacks_{nullptr};

  absl::Mutex allocate_mu_ ABSL_ACQUIRED_BEFORE(mu_);  // one admission at a time
  absl::Mutex notify_mu_ ABSL_ACQUIRED_BEFORE(mu_);    // on_resources calls in order
  mutable absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  DeviceTable table_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, PodDevices> pods_ ABSL_GUARDED_BY(mu_);  // by pod key
  std::optional<ResourceCountMap> notified_ ABSL_GUARDED_BY(notify_mu_);
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_MANAGER_H_
