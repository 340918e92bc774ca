// A pod that stopped heartbeating on a node that stopped renewing its Lease is taken for a
// lost node, not a hung process: restarting its ranks in place cannot work (nothing there
// answers), so the pod gets a NodeNotReady fault and is replaced at once
// (docs/design/operator.md, "Node loss") rather than after an in-place attempt times out
// or the node lifecycle controller's grace period (40 s on a default cluster) runs out.
//
// A Lease is stale once it has missed two renewals: the kubelet renews every
// leaseDurationSeconds / 4, so renewTime older than leaseDurationSeconds / 2.
//
// Pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_SILENT_NODE_FAULTS_H_
#define FLYOVER_OPERATOR_SILENT_NODE_FAULTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

// A node Lease's renewal: spec.renewTime (as written and parsed) and
// spec.leaseDurationSeconds.
struct LeaseRenewal {
  std::string renewed;  // as the Lease says it
  absl::Time renew_time;
  int duration_seconds = 0;
};

// The renewal of `lease` (a coordination.k8s.io/v1 Lease as JSON); nothing when renewTime is
// missing or does not parse, or leaseDurationSeconds is not positive.
[[nodiscard]] std::optional<LeaseRenewal> LeaseRenewalOf(const nlohmann::json& lease);

// A lost node's fault time: its last sign of life, the Lease's renewTime (the node failed
// within one renewal interval after it, so this over-states detection time by at most that
// interval). Sets fault->detection_millis (detected_at - renewTime, at least 0) when the
// Lease has a renewTime.
void SetNodeDetectionTime(const nlohmann::json& lease, kube::FaultRecord* fault);

// Why `lease` (a coordination.k8s.io/v1 Lease as JSON) counts as stale at `now`; "" when
// it does not, or when it lacks renewTime or leaseDurationSeconds.
[[nodiscard]] std::string StaleLeaseReason(const nlohmann::json& lease, absl::Time now);

// A NodeNotReady fault for each HeartbeatTimeout in `faults` whose node (fault.node) has a
// stale Lease in `leases` (by node name), detected at `now` (detection time from the
// Lease: SetNodeDetectionTime).
[[nodiscard]] std::vector<kube::FaultRecord> SilentNodeFaults(
    const std::vector<kube::FaultRecord>& faults,
    const std::map<std::string, nlohmann::json>& leases, absl::Time now);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_SILENT_NODE_FAULTS_H_
