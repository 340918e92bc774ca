#include "nodesim/device_table.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "device-plugin/api/protocol.h"

namespace flyover::nodesim {

void DeviceTable::SetDevices(const std::string& resource, const deviceplugin::DeviceList& devices) {
  std::vector<Device>& listed = resources_[resource].devices;
  listed.clear();
  for (const ::v1beta1::Device& device : devices) {
    listed.push_back({device.id(), device.health() == deviceplugin::kHealthy});
  }
}

void DeviceTable::MarkAllUnhealthy(const std::string& resource) {
  for (Device& device : resources_[resource].devices) device.healthy = false;
}

bool DeviceTable::Knows(absl::string_view resource) const {
  return resources_.find(resource) != resources_.end();
}

ResourceCountMap DeviceTable::Counts() const {
  ResourceCountMap counts;
  for (const auto& [name, resource] : resources_) {
    ResourceCounts& count = counts[name];
    count.capacity = static_cast<int64_t>(resource.devices.size());
    count.allocatable = std::count_if(resource.devices.begin(), resource.devices.end(),
                                      [](const Device& d) { return d.healthy; });
  }
  return counts;
}

std::vector<std::string> DeviceTable::Free(absl::string_view resource) const {
  std::vector<std::string> free;
  auto it = resources_.find(resource);
  if (it == resources_.end()) return free;
  for (const Device& device : it->second.devices) {
    if (device.healthy && !it->second.holders.contains(device.id)) free.push_back(device.id);
  }
  return free;
}

int64_t DeviceTable::HeldCount(absl::string_view resource) const {
  auto it = resources_.find(resource);
  return it == resources_.end() ? 0 : static_cast<int64_t>(it->second.holders.size());
}

absl::Status DeviceTable::Hold(const std::string& resource, const std::vector<std::string>& ids,
                               const std::string& owner) {
  auto found = resources_.find(resource);
  if (found == resources_.end()) {
    return absl::FailedPreconditionError(absl::StrCat(resource, ": no device is listed"));
  }
  Resource& entry = found->second;
  std::set<std::string> seen;
  for (const std::string& id : ids) {
    auto device = std::find_if(entry.devices.begin(), entry.devices.end(),
                               [&id](const Device& d) { return d.id == id; });
    if (device == entry.devices.end()) {
      return absl::FailedPreconditionError(absl::StrCat("device ", id, " is not listed"));
    }
    if (!device->healthy) {
      return absl::FailedPreconditionError(absl::StrCat("device ", id, " is Unhealthy"));
    }
    auto holder = entry.holders.find(id);
    if (holder != entry.holders.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("device ", id, " is already held by ", holder->second));
    }
    if (!seen.insert(id).second) {
      return absl::FailedPreconditionError(absl::StrCat("device ", id, " is named twice"));
    }
  }
  for (const std::string& id : ids) entry.holders[id] = owner;
  return absl::OkStatus();
}

void DeviceTable::Release(absl::string_view owner) {
  for (auto& [name, resource] : resources_) {
    std::erase_if(resource.holders, [owner](const auto& held) { return held.second == owner; });
  }
}

std::map<std::string, std::string> DeviceTable::Holders(absl::string_view resource) const {
  auto it = resources_.find(resource);
  return it == resources_.end() ? std::map<std::string, std::string>() : it->second.holders;
}

}  // namespace flyover::nodesim
