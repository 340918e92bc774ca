#include "operator/silent_node_faults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {

std::optional<absl::Time> LeaseRenewTime(const nlohmann::json& lease) {
  const nlohmann::json spec = lease.value("spec", nlohmann::json::object());
  const std::string renewed = spec.is_object() ? spec.value("renewTime", "") : "";
  absl::Time renew_time;
  std::string error;
  if (renewed.empty() || !absl::ParseTime(absl::RFC3339_full, renewed, &renew_time, &error)) {
    return std::nullopt;
  }
  return renew_time;
}

void SetNodeDetectionTime(const nlohmann::json& lease, kube::FaultRecord* fault) {
  const std::optional<absl::Time> renewed = LeaseRenewTime(lease);
  if (!renewed.has_value() || !fault->detected_at.has_value()) return;
  fault->detection_millis =
      std::max<int64_t>(0, absl::ToInt64Milliseconds(*fault->detected_at - *renewed));
}

std::string StaleLeaseReason(const nlohmann::json& lease, absl::Time now) {
  const nlohmann::json spec = lease.value("spec", nlohmann::json::object());
  const std::string renewed = spec.is_object() ? spec.value("renewTime", "") : "";
  const int duration = spec.is_object() ? spec.value("leaseDurationSeconds", 0) : 0;
  absl::Time renew_time;
  std::string error;
  if (renewed.empty() || duration <= 0 ||
      !absl::ParseTime(absl::RFC3339_full, renewed, &renew_time, &error)) {
    return "";
  }
  const absl::Duration age = now - renew_time;
  if (age <= absl::Seconds(duration) / 2) return "";
  return absl::StrCat("its Lease was last renewed ", renewed, " (", absl::FormatDuration(age),
                      " ago, leaseDurationSeconds ", duration, ")");
}

std::vector<kube::FaultRecord> SilentNodeFaults(const std::vector<kube::FaultRecord>& faults,
                                                const std::map<std::string, nlohmann::json>& leases,
                                                absl::Time now) {
  std::vector<kube::FaultRecord> out;
  for (const kube::FaultRecord& fault : faults) {
    if (fault.fault_class != kFaultHeartbeatTimeout || fault.node.empty()) continue;
    auto lease = leases.find(fault.node);
    if (lease == leases.end()) continue;
    const std::string reason = StaleLeaseReason(lease->second, now);
    if (reason.empty()) continue;
    kube::FaultRecord lost;
    lost.fault_class = kFaultNodeNotReady;
    lost.pod = fault.pod;
    lost.node = fault.node;
    lost.message = absl::StrCat("node ", fault.node, " is unreachable: the pod stopped "
                                "heartbeating and ", reason);
    lost.detected_at = now;
    SetNodeDetectionTime(lease->second, &lost);
    out.push_back(std::move(lost));
  }
  return out;
}

}  // namespace flyover::op
