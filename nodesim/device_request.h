// The kubelet device manager's plain values: what a pod's containers ask of device plugins
// (extended resources in their limits), what each container is handed (the plugins'
// Allocate answers merged: env, device nodes, mounts, annotations), and how an admission
// failure is named.
//
// A container's request for a resource is its limit (extended resources are requested
// through limits; requests, when given, must equal them), else its request. Init
// containers are not considered: nodesim does not run them.
//
// Pure functions over plain values; thread-compatible.
#ifndef FLYOVER_NODESIM_DEVICE_REQUEST_H_
#define FLYOVER_NODESIM_DEVICE_REQUEST_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "device-plugin/api/api.pb.h"
#include "kube/api/core/pod.h"
#include "nlohmann/json.hpp"

namespace flyover::nodesim {

// The reason of a pod the kubelet fails because its devices could not be allocated
// (the pod's status.reason; phase Failed).
inline constexpr char kUnexpectedAdmissionError[] = "UnexpectedAdmissionError";

// One container's request for one device-plugin resource.
struct DeviceRequest {
  std::string container;
  std::string resource;  // "huawei.com/Ascend910"
  int64_t count = 0;
  bool operator==(const DeviceRequest&) const = default;
};

// The requests of the pod's containers, in container order and, within a container, by
// resource name, for the resources `is_device_resource` accepts; zero counts are left out.
// InvalidArgument naming the pod, container and resource for a malformed or negative
// quantity.
[[nodiscard]] absl::StatusOr<std::vector<DeviceRequest>> PodDeviceRequests(
    const kube::core::Pod& pod, const std::function<bool(absl::string_view)>& is_device_resource);

// A host file or directory a container sees (Mount) and a device node (DeviceSpec).
struct HostMount {
  std::string container_path;
  std::string host_path;
  bool read_only = false;
  bool operator==(const HostMount&) const = default;
};
struct HostDevice {
  std::string container_path;
  std::string host_path;
  std::string permissions;  // "rw", "rwm", ...
  bool operator==(const HostDevice&) const = default;
};

// What the device plugins gave one container, to apply to its process.
struct ContainerDevices {
  std::string container;
  std::map<std::string, std::vector<std::string>> device_ids;  // resource -> the kubelet's ids
  std::map<std::string, std::string> envs;
  std::vector<HostDevice> devices;
  std::vector<HostMount> mounts;
  std::map<std::string, std::string> annotations;
  bool operator==(const ContainerDevices&) const = default;
};

// Everything a pod holds: one entry per container that requested devices.
struct PodDevices {
  std::string uid;
  std::vector<ContainerDevices> containers;
  // The container's entry, or null when it requested no devices.
  [[nodiscard]] const ContainerDevices* Find(absl::string_view container) const;
  bool operator==(const PodDevices&) const = default;
};

// What a pod runtime needs of the device managers: the devices of a pod about to start
// (an error fails the pod with UnexpectedAdmissionError), and their release once the pod has
// terminated or is gone. NodeDevices (device_nodes.h) implements it. Thread-safe.
class PodDeviceAllocator {
 public:
  virtual ~PodDeviceAllocator() = default;
  [[nodiscard]] virtual absl::StatusOr<PodDevices> Allocate(const kube::core::Pod& pod) = 0;
  virtual void Release(const std::string& pod_key) = 0;
};

// Adds one plugin's answer for the container to `out`, as the kubelet merges answers of
// several plugins: an env var, annotation, device (by container path) or mount (by
// container path) already set keeps its first value.
void MergeAllocateResponse(const ::v1beta1::ContainerAllocateResponse& response,
                           ContainerDevices* out);

// The GetPreferredAllocation request for `count` of the `free` devices (none must be
// included: the kubelet's must-include ids come from init containers, not run here).
[[nodiscard]] v1beta1::PreferredAllocationRequest PreferredRequest(
    const std::vector<std::string>& free, int64_t count);
// Whether a plugin's preferred `ids` are `count` distinct ids among `free`; the kubelet
// falls back to its own pick otherwise.
[[nodiscard]] bool IsValidPick(const std::vector<std::string>& ids,
                               const std::vector<std::string>& free, int64_t count);

// `status` with "pod <ns>/<name>: container <c>: <resource>: " before its message, code kept.
[[nodiscard]] absl::Status DeviceError(const absl::Status& status, const kube::core::Pod& pod,
                                       absl::string_view container, absl::string_view resource);

// "<namespace>/<name>"
[[nodiscard]] std::string PodKey(const kube::core::Pod& pod);

// The pods/status merge patch of a pod rejected at admission because its devices could not
// be allocated, as the kubelet writes it: phase Failed, reason UnexpectedAdmissionError,
// message "Pod was rejected: <error message>".
[[nodiscard]] nlohmann::json AdmissionErrorStatusPatch(const absl::Status& error);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_REQUEST_H_
