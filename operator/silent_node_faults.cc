#include "operator/silent_node_faults.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {

std::optional<LeaseRenewal> LeaseRenewalOf(const nlohmann::json& lease) {
  const nlohmann::json spec = lease.value("spec", nlohmann::json::object());
  if (!spec.is_object()) return std::nullopt;
  LeaseRenewal renewal{.renewed = spec.value("renewTime", ""),
                       .duration_seconds = spec.value("leaseDurationSeconds", 0)};
  std::string error;
  if (renewal.renewed.empty() || renewal.duration_seconds <= 0 ||
      !absl::ParseTime(absl::RFC3339_full, renewal.renewed, &renewal.renew_time, &error)) {
    return std::nullopt;
  }
  return renewal;
}

void SetNodeDetectionTime(const nlohmann::json& lease, kube::FaultRecord* fault) {
  const std::optional<LeaseRenewal> renewal = LeaseRenewalOf(lease);
  if (!renewal.has_value() || !fault->detected_at.has_value()) return;
  fault->detection_millis = std::max<int64_t>(
      0, absl::ToInt64Milliseconds(*fault->detected_at - renewal->renew_time));
}

std::string StaleLeaseReason(const nlohmann::json& lease, absl::Time now) {
  const std::optional<LeaseRenewal> renewal = LeaseRenewalOf(lease);
  if (!renewal.has_value()) return "";
  const absl::Duration age = now - renewal->renew_time;
  if (age <= absl::Seconds(renewal->duration_seconds) / 2) return "";
  return absl::StrCat("its Lease was last renewed ", renewal->renewed, " (",
                      absl::FormatDuration(age), " ago, leaseDurationSeconds ",
                      renewal->duration_seconds, ")");
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
