// DeviceTable: the kubelet device manager's bookkeeping for one node, without any gRPC —
// the devices each plugin last listed (in the plugin's order, with their health) and which
// pod holds which device.
//
// Counts follow the kubelet: capacity = every device listed, allocatable = the healthy
// ones (allocated devices still count: the scheduler subtracts pods' requests itself).
// When a plugin's stream ends, MarkAllUnhealthy() keeps its devices as Unhealthy, so
// capacity stays and allocatable drops to 0, until the plugin lists again.
//
// A hold outlives a device's disappearance from the list (the pod still has it); a device
// is free when it is listed Healthy and held by nobody.
//
// Thread-compatible: DeviceManager guards it with its own mutex.
#ifndef FLYOVER_NODESIM_DEVICE_TABLE_H_
#define FLYOVER_NODESIM_DEVICE_TABLE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "device-plugin/api/plugin_client.h"
#include "nodesim/device_counts.h"

namespace flyover::nodesim {

class DeviceTable {
 public:
  // The plugin of `resource` listed `devices` (ListAndWatch).
  void SetDevices(const std::string& resource, const deviceplugin::DeviceList& devices);
  // The plugin of `resource` is gone: every device it listed becomes Unhealthy.
  void MarkAllUnhealthy(const std::string& resource);
  // Whether a plugin has ever listed `resource`.
  [[nodiscard]] bool Knows(absl::string_view resource) const;

  [[nodiscard]] ResourceCountMap Counts() const;
  // Healthy devices of `resource` held by nobody, in the plugin's order.
  [[nodiscard]] std::vector<std::string> Free(absl::string_view resource) const;
  // Devices of `resource` held by anyone.
  [[nodiscard]] int64_t HeldCount(absl::string_view resource) const;

  // Records `owner` as the holder of `ids`. FailedPrecondition naming the device when one is
  // not listed, not Healthy or already held; then nothing is recorded.
  [[nodiscard]] absl::Status Hold(const std::string& resource, const std::vector<std::string>& ids,
                                  const std::string& owner);
  // Frees every device `owner` holds.
  void Release(absl::string_view owner);
  // Device id -> holder, for `resource`.
  [[nodiscard]] std::map<std::string, std::string> Holders(absl::string_view resource) const;

 private:
  struct Device {
    std::string id;
    bool healthy = false;
  };
  struct Resource {
    std::vector<Device> devices;                 // as listed
    std::map<std::string, std::string> holders;  // device id -> owner
  };

  std::map<std::string, Resource, std::less<>> resources_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_DEVICE_TABLE_H_
