// Node and device health parsing: what the scheduler reads from Node objects and from the device
// plugin's fault reports (ConfigMap kube-system/mindx-dl-deviceinfo-<node>, see
// device-plugin/fault_publisher.h), parsed once on arrival.
//
// Plain values and pure functions; thread-compatible.
#ifndef FLYOVER_SCHEDULER_CACHE_NODE_INFO_H_
#define FLYOVER_SCHEDULER_CACHE_NODE_INFO_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/topology.h"
#include "kube/cache/packed_json.h"
#include "scheduler/framework/cluster_snapshot.h"

namespace flyover::sched {

// The device plugin's ConfigMap: namespace and name prefix.
inline constexpr absl::string_view kDeviceInfoNamespace = "kube-system";
inline constexpr absl::string_view kDeviceInfoPrefix = "mindx-dl-deviceinfo-";

// Parses a Node as the informer caches it into the core's NodeInfo: topology labels (-1 when
// absent or malformed), NoSchedule/NoExecute/PreferNoSchedule taints, allocatable cpu, memory,
// pods and huawei.com/Ascend910 (capped at 16; `healthy` = the first that many dies, before the
// device plugin's reports are applied), the Ready condition and spec.unschedulable.
// InvalidArgument only without metadata.name.
[[nodiscard]] absl::StatusOr<NodeInfo> ParseNodeInfo(kube::JsonView node);

// The node a device-info ConfigMap describes ("" when `name` is not one).
[[nodiscard]] std::string DeviceInfoNodeName(absl::string_view namespace_, absl::string_view name);
// The dies a device-info ConfigMap reports out of service: the union of the
// huawei.com/Ascend910-Unhealthy and -NetworkUnhealthy lists of data.DeviceInfoCfg.
// InvalidArgument names the field when the data does not parse.
[[nodiscard]] absl::StatusOr<topology::DieSet> ParseUnhealthyDies(kube::JsonView config_map);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_CACHE_NODE_INFO_H_
