// NpuDevicePlugin: what flyover-device-plugin answers to the kubelet, independent of gRPC
// plumbing (plugin_server.h serves it on the socket and registers it).
//
//   GetDevicePluginOptions  GetPreferredAllocation is available; no PreStartContainer.
//   ListAndWatch            every die as "Ascend910-<id>", Healthy or Unhealthy by the
//                           source; a new list within options.watch_poll of each change.
//   GetPreferredAllocation  allocation.h PreferDies over the offered healthy dies the plugin
//                           has not handed out.
//   Allocate                per container: the dies of the pod's huawei.com/Ascend910
//                           annotation when the pod lookup finds the pod (pod_lookup.h),
//                           else the kubelet's ids; answers ASCEND_VISIBLE_DEVICES and
//                           ASCEND_RT_VISIBLE_DEVICES ("0,1"), the device files
//                           <device_dir>/davinci<id> (and the shared davinci_manager,
//                           devmm_svm, hisi_hdc) as /dev/..., and the annotation.
//
// Allocate errors (nothing is allocated when any container fails): InvalidArgument for an
// unknown or repeated device id, an empty request, more dies than the node has, the same
// die in two containers, a malformed annotation or one naming a different count;
// FailedPrecondition for an Unhealthy die or a die already held by another pod; Unavailable
// when the pod lookup fails. Allocations are serialised, so no die goes to two containers;
// a known pod's dies are freed when the lookup no longer lists the pod live.
//
// Ownership: borrows the source and the lookup (may be null: kubelet ids only).
// Thread-safety: all methods are safe from any thread.
#ifndef FLYOVER_DEVICE_PLUGIN_NPU_PLUGIN_H_
#define FLYOVER_DEVICE_PLUGIN_NPU_PLUGIN_H_

#include <functional>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "device-plugin/allocation.h"
#include "device-plugin/api/api.pb.h"
#include "device-plugin/npu_source.h"
#include "device-plugin/pod_lookup.h"

namespace flyover::deviceplugin {

struct NpuPluginOptions {
  // Host directory of the emulated device files handed to containers.
  std::string device_dir = "/var/run/flyover/npu";
  // How often an idle ListAndWatch stream checks for changes and cancellation.
  absl::Duration watch_poll = absl::Milliseconds(100);
};

class NpuDevicePlugin {
 public:
  NpuDevicePlugin(NpuSource* source, PodLookup* lookup, NpuPluginOptions options = {});

  v1beta1::DevicePluginOptions GetOptions() const;
  // The current device list.
  v1beta1::ListAndWatchResponse Devices();
  // Streams Devices() now and after every change until `write` fails or `cancelled()`.
  void StreamDevices(const std::function<bool(const v1beta1::ListAndWatchResponse&)>& write,
                     const std::function<bool()>& cancelled);
  [[nodiscard]] absl::StatusOr<v1beta1::PreferredAllocationResponse> GetPreferredAllocation(
      const v1beta1::PreferredAllocationRequest& request) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] absl::StatusOr<v1beta1::AllocateResponse> Allocate(
      const v1beta1::AllocateRequest& request) ABSL_LOCKS_EXCLUDED(mu_);

  // Which die is held by whom now.
  std::map<topology::DieId, Holder> Allocations() const ABSL_LOCKS_EXCLUDED(mu_);
  NpuSource* source() const { return source_; }

 private:
  struct Choice {
    topology::DieSet dies;
    Holder holder;
  };

  topology::DieSet HealthyDies();
  absl::StatusOr<std::vector<topology::DieSet>> ParseContainers(
      const v1beta1::AllocateRequest& request);
  absl::StatusOr<Choice> ChooseForContainer(topology::DieSet kubelet_ids,
                                            const std::vector<NodePod>& pods,
                                            const std::set<std::string>& holding);
  absl::Status CheckAvailable(const Choice& choice, topology::DieSet healthy) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  v1beta1::ContainerAllocateResponse Respond(topology::DieSet dies) const;

  NpuSource* const source_;
  PodLookup* const lookup_;
  const NpuPluginOptions options_;
  mutable absl::Mutex mu_;  // held across one Allocate
  AllocationTable table_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_NPU_PLUGIN_H_
