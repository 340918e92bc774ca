// Device faults from the device plugin's reports (docs/design/device-plugin.md,
// "Publishing"). Each node's device plugin keeps a ConfigMap
// kube-system/mindx-dl-deviceinfo-<node> whose DeviceInfoCfg lists the dies out of service
// (huawei.com/Ascend910-Unhealthy, "Ascend910-3,Ascend910-4") and, per faulty die, its
// fault codes and when each began (huawei.com/Ascend910-Fault, a JSON list of
// {npu_name, fault_code, fault_time_and_level_map: {<code>: {fault_time: <unix ms>}}}).
//
// DeviceHealth keeps the newest report of every node, fed by an informer on ConfigMaps in
// kube-system (DeviceInfoHandler; other names are ignored). DeviceFaults turns the dies a
// running job's pods hold (pod annotation huawei.com/Ascend910) that are unhealthy into
// DeviceFault records: place pod, node, rank (the die's position in the annotation), the die
// in the message, detection_millis from the fault's time in the report when present.
//
// Thread-safety: DeviceHealth's methods are thread-safe; the rest are pure functions.
#ifndef FLYOVER_OPERATOR_DEVICE_HEALTH_H_
#define FLYOVER_OPERATOR_DEVICE_HEALTH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "kube/cache/event_handler.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

inline constexpr char kDeviceInfoNamespace[] = "kube-system";
inline constexpr char kDeviceInfoPrefix[] = "mindx-dl-deviceinfo-";

struct DieFault {
  std::string codes;                 // "80E18402,81078603"
  std::optional<absl::Time> since;   // the earliest fault_time of its codes
};

struct NodeDeviceReport {
  std::string node;
  std::set<std::string> unhealthy;          // device names: "Ascend910-3"
  std::map<std::string, DieFault> faults;   // by device name
};

// The report in a device-info ConfigMap (JSON). NotFound for a ConfigMap of another name or
// namespace; InvalidArgument naming the field for a malformed one.
absl::StatusOr<NodeDeviceReport> ParseDeviceInfo(const nlohmann::json& config_map);

class DeviceHealth {
 public:
  // Stores `report`; true when the node's unhealthy dies changed.
  bool Update(NodeDeviceReport report) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets `node` (its ConfigMap was deleted); true when it had unhealthy dies.
  bool Remove(const std::string& node) ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] std::optional<NodeDeviceReport> Node(const std::string& node) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, NodeDeviceReport> nodes_ ABSL_GUARDED_BY(mu_);
};

// An informer handler that keeps `health` up to date and calls `on_change` (may be empty)
// whenever a node's unhealthy dies change. Malformed reports are logged and ignored.
std::shared_ptr<kube::ResourceEventHandler> DeviceInfoHandler(DeviceHealth* health,
                                                              std::function<void()> on_change);

// The DeviceFaults of `pods` (the pod serving each rank index, as JSON) with
// `npus_per_replica` dies each, by `health`, detected at `now`.
std::vector<kube::FaultRecord> DeviceFaults(const std::map<int32_t, nlohmann::json>& pods,
                                            int32_t npus_per_replica, const DeviceHealth& health,
                                            absl::Time now);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_DEVICE_HEALTH_H_
