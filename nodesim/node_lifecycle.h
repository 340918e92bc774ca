// NodeLifecycleController: kube-controller-manager's node lifecycle controller for the
// simulated cluster. Every `monitor_period` it lists the Nodes and their Leases in
// kube-node-lease and judges each of nodesim's nodes by its Lease alone (renewTime, or the
// Ready condition's lastHeartbeatTime when that is newer or there is no Lease) — never by
// nodesim's own knowledge of a stopped or partitioned node:
//   - last heartbeat older than `grace_period` (unreachable): every condition becomes
//     Unknown (reason NodeStatusUnknown, message "Kubelet stopped posting node status."),
//     and the taints node.kubernetes.io/unreachable:NoExecute and :NoSchedule are added;
//   - heartbeating again: both taints are removed and, when the conditions are the ones
//     this controller wrote, the kubelet's conditions (Ready True) are written back with the
//     Lease's renewTime as heartbeat. nodesim's kubelet posts status only every
//     --status-interval (5 min), so this stands in for its next status update.
// Defaults are Kubernetes' (--node-monitor-grace-period 40s, --node-monitor-period 5s).
//
// Errors: Sync() returns the first failed request; the background loop logs and retries.
// Ownership: borrows the RestClient and the clock, which must outlive it.
// Thread-safety: Start()/Stop()/Sync() from one thread.
#ifndef FLYOVER_NODESIM_NODE_LIFECYCLE_H_
#define FLYOVER_NODESIM_NODE_LIFECYCLE_H_

#include <optional>
#include <set>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/api/core/node.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::nodesim {

inline constexpr char kTaintUnreachable[] = "node.kubernetes.io/unreachable";
inline constexpr char kReasonNodeStatusUnknown[] = "NodeStatusUnknown";
inline constexpr char kMessageNodeStatusUnknown[] = "Kubelet stopped posting node status.";

struct NodeLifecycleOptions {
  absl::Duration grace_period = absl::Seconds(40);   // --node-monitor-grace-period
  absl::Duration monitor_period = absl::Seconds(5);  // --node-monitor-period
  Clock* clock = RealClock();                        // not owned
};

// The merge patches that bring one node in line; null members when nothing changes.
struct NodeHealthPatches {
  bool reachable = true;
  nlohmann::json status;  // for the status subresource: {"status":{"conditions":[...]}}
  nlohmann::json spec;    // {"spec":{"taints":[...]}}
};

// What the controller writes for `node`, last heard from at `last_heartbeat` (nullopt:
// never), at `now`. Pure.
[[nodiscard]] NodeHealthPatches NodeHealthFor(const kube::core::Node& node,
                                              std::optional<absl::Time> last_heartbeat,
                                              absl::Time now, absl::Duration grace_period);

class NodeLifecycleController {
 public:
  // Watches over the nodes named in `nodes` (nodesim's own); others are left alone.
  NodeLifecycleController(kube::RestClient* client, std::set<std::string> nodes,
                          NodeLifecycleOptions options);
  ~NodeLifecycleController();
  NodeLifecycleController(const NodeLifecycleController&) = delete;
  NodeLifecycleController& operator=(const NodeLifecycleController&) = delete;

  // One monitor pass: reads Nodes and Leases, writes the changes.
  [[nodiscard]] absl::Status Sync();
  // Runs Sync() every monitor_period on a thread until Stop().
  void Start();
  void Stop();

 private:
  void Run();

  kube::RestClient* const client_;
  const std::set<std::string> nodes_;
  const NodeLifecycleOptions options_;
  kube::StopSignal stop_;
  std::thread thread_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_NODE_LIFECYCLE_H_
