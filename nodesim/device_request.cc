#include "nodesim/device_request.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "kube/api/core/quantity.h"

namespace flyover::nodesim {
namespace {

// The resource names a container asks for, limits first (they define extended resources).
std::set<std::string> RequestedNames(const kube::core::Container& container) {
  std::set<std::string> names;
  for (const auto& [name, quantity] : container.resources.limits) names.insert(name);
  for (const auto& [name, quantity] : container.resources.requests) names.insert(name);
  return names;
}

const std::string& RequestedQuantity(const kube::core::Container& container,
                                     const std::string& resource) {
  auto limit = container.resources.limits.find(resource);
  if (limit != container.resources.limits.end()) return limit->second;
  return container.resources.requests.at(resource);
}

template <typename T>
bool HasContainerPath(const std::vector<T>& items, const std::string& path) {
  return std::any_of(items.begin(), items.end(),
                     [&path](const T& item) { return item.container_path == path; });
}

}  // namespace

std::string PodKey(const kube::core::Pod& pod) {
  return absl::StrCat(pod.metadata.namespace_, "/", pod.metadata.name);
}

nlohmann::json AdmissionErrorStatusPatch(const absl::Status& error) {
  return {{"status",
           {{"phase", kube::core::kPodFailed},
            {"reason", kUnexpectedAdmissionError},
            {"message", absl::StrCat("Pod was rejected: ", error.message())}}}};
}

absl::Status DeviceError(const absl::Status& status, const kube::core::Pod& pod,
                         absl::string_view container, absl::string_view resource) {
  return absl::Status(status.code(), absl::StrCat("pod ", PodKey(pod), ": container ", container,
                                                  ": ", resource, ": ", status.message()));
}

absl::StatusOr<std::vector<DeviceRequest>> PodDeviceRequests(
    const kube::core::Pod& pod, const std::function<bool(absl::string_view)>& is_device_resource) {
  std::vector<DeviceRequest> requests;
  for (const kube::core::Container& container : pod.spec.containers) {
    for (const std::string& resource : RequestedNames(container)) {
      if (!is_device_resource(resource)) continue;
      absl::StatusOr<int64_t> count =
          kube::core::QuantityValue(RequestedQuantity(container, resource));
      if (!count.ok()) {
        return DeviceError(absl::InvalidArgumentError(count.status().message()), pod,
                           container.name, resource);
      }
      if (*count < 0) {
        return DeviceError(absl::InvalidArgumentError(absl::StrCat("negative count ", *count)), pod,
                           container.name, resource);
      }
      if (*count == 0) continue;
      requests.push_back({container.name, resource, *count});
    }
  }
  return requests;
}

void MergeAllocateResponse(const ::v1beta1::ContainerAllocateResponse& response,
                           ContainerDevices* out) {
  for (const auto& [name, value] : response.envs()) out->envs.emplace(name, value);
  for (const auto& [name, value] : response.annotations()) out->annotations.emplace(name, value);
  for (const ::v1beta1::DeviceSpec& device : response.devices()) {
    if (HasContainerPath(out->devices, device.container_path())) continue;
    out->devices.push_back({device.container_path(), device.host_path(), device.permissions()});
  }
  for (const ::v1beta1::Mount& mount : response.mounts()) {
    if (HasContainerPath(out->mounts, mount.container_path())) continue;
    out->mounts.push_back({mount.container_path(), mount.host_path(), mount.read_only()});
  }
}

v1beta1::PreferredAllocationRequest PreferredRequest(const std::vector<std::string>& free,
                                                     int64_t count) {
  v1beta1::PreferredAllocationRequest request;
  v1beta1::ContainerPreferredAllocationRequest* container = request.add_container_requests();
  for (const std::string& id : free) container->add_available_deviceids(id);
  container->set_allocation_size(static_cast<int32_t>(count));
  return request;
}

bool IsValidPick(const std::vector<std::string>& ids, const std::vector<std::string>& free,
                 int64_t count) {
  if (static_cast<int64_t>(ids.size()) != count) return false;
  std::set<std::string> distinct(ids.begin(), ids.end());
  if (distinct.size() != ids.size()) return false;
  return std::all_of(ids.begin(), ids.end(), [&free](const std::string& id) {
    return std::find(free.begin(), free.end(), id) != free.end();
  });
}

const ContainerDevices* PodDevices::Find(absl::string_view container) const {
  for (const ContainerDevices& entry : containers) {
    if (entry.container == container) return &entry;
  }
  return nullptr;
}

}  // namespace flyover::nodesim
