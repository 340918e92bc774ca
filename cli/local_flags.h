// Flags of `flyover local up|down|status` and the layout of the local cluster's directory.
//
//   flyover local up --data-dir DIR [--super-pods N --nodes-per-super-pod M | --topology FILE]
//                    [--mode simulated|process] [--lease-interval D]
//                    [--node-monitor-grace-period D] [--crds DIR] [--timeout D]
//   flyover local down --data-dir DIR
//   flyover local status --data-dir DIR
//
// DIR holds kubeconfig, apiserver/ (the API server's data), nodesim/ (pod directories, and
// device-plugins/<node>/ where each process node serves the kubelet's Registration),
// npu/<node>/ (the emulated device files of a node's device plugin), logs/<component>.log,
// logs/chaos.log, run/<component>.pid, run/nodesim.chaos (the fault-injection API's address),
// run/device-plugin-<node>.fault (that plugin's fault-control address) and
// run/operator.supervision (the operator's supervision address, "127.0.0.1:<port>", chosen
// free at `up` and shared by every operator replica: only the leader listens on it). Components are
// apiserver, nodesim and device-plugin-<node>. Parsing is pure; errors are InvalidArgument
// naming the flag.
//
// Node loss: nodesim's node lifecycle controller marks a node unreachable once its Lease is
// older than the grace period. Kubernetes' 10 s renewals and 40 s grace would leave a
// stopped node's pods waiting 40 s, so `up` asks for fast leases on small clusters (1 s
// renewals up to kFastLeaseMaxNodes nodes; larger ones keep nodesim's 10 s, which keeps
// thousands of simulated nodes from costing thousands of writes a second) and a grace period
// of kGraceLeaseRenewals renewals (4 s with 1 s leases, 40 s with 10 s ones), checked every
// half renewal interval.
#ifndef FLYOVER_CLI_LOCAL_FLAGS_H_
#define FLYOVER_CLI_LOCAL_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flyover::cli {

struct LocalFlags {
  std::string action;    // "up", "down", "status"
  std::string data_dir;  // absolute
  int super_pods = 1;
  int nodes_per_super_pod = 4;
  std::string topology_file;  // absolute; "" = the counts
  std::string mode = "simulated";
  std::string lease_interval;  // "" = NodeLeaseInterval()'s choice
  std::string node_monitor_grace_period;  // "" = kGraceLeaseRenewals lease intervals
  std::string crds_dir;        // "" = DefaultCrdsDirectory()
  absl::Duration timeout = absl::Seconds(120);
};

inline constexpr int kFastLeaseMaxNodes = 64;
inline constexpr int kGraceLeaseRenewals = 4;

// The node Lease renewal interval nodesim gets: --lease-interval, else 1 s for at most
// kFastLeaseMaxNodes nodes (by the counts; a --topology file counts as large), else 10 s.
[[nodiscard]] absl::Duration NodeLeaseInterval(const LocalFlags& flags);
// The node monitor grace period: --node-monitor-grace-period, else kGraceLeaseRenewals
// lease intervals.
[[nodiscard]] absl::Duration NodeMonitorGracePeriod(const LocalFlags& flags);

[[nodiscard]] absl::StatusOr<LocalFlags> ParseLocalFlags(const std::vector<std::string>& args);

// The paths inside the data directory.
struct LocalLayout {
  explicit LocalLayout(std::string dir) : dir(std::move(dir)) {}
  std::string dir;
  std::string Kubeconfig() const { return dir + "/kubeconfig"; }
  std::string Log(const std::string& component) const { return dir + "/logs/" + component + ".log"; }
  std::string PidFile(const std::string& component) const { return dir + "/run/" + component + ".pid"; }
  std::string ChaosEndpointFile() const { return dir + "/run/nodesim.chaos"; }
  std::string SupervisionEndpointFile() const { return dir + "/run/operator.supervision"; }
  std::string ChaosLog() const { return dir + "/logs/chaos.log"; }
  std::string DevicePluginDir(const std::string& node) const {
    return dir + "/nodesim/device-plugins/" + node;
  }
  std::string NpuDeviceDir(const std::string& node) const { return dir + "/npu/" + node; }
  std::string FaultEndpointFile(const std::string& node) const {
    return dir + "/run/device-plugin-" + node + ".fault";
  }
  // "127.0.0.1:<port>" of the node's plugin's npu-exporter (/metrics), for scrapers.
  std::string MetricsEndpointFile(const std::string& node) const {
    return dir + "/run/device-plugin-" + node + ".metrics";
  }
};

// The components `local up` runs, in start order.
struct Component {
  std::string name;    // "apiserver"
  std::string binary;  // "flyover-apiserver", a sibling of the flyover binary
};
[[nodiscard]] const std::vector<Component>& LocalComponents();
// The device plugin of process-mode node `node`: "device-plugin-<node>".
[[nodiscard]] Component DevicePluginComponent(const std::string& node);

// The command line of each component for `flags` (binary path first).
[[nodiscard]] std::vector<std::string> ApiServerArgv(const std::string& bin_dir,
                                                     const LocalFlags& flags);
[[nodiscard]] std::vector<std::string> NodesimArgv(const std::string& bin_dir,
                                                   const LocalFlags& flags);
[[nodiscard]] std::vector<std::string> SchedulerArgv(const std::string& bin_dir,
                                                     const LocalFlags& flags);
// The operator listens on 127.0.0.1:`supervision_port` only while it leads, so that pods
// keep reaching the leader after a failover (a second replica gets the same argv).
[[nodiscard]] std::vector<std::string> OperatorArgv(const std::string& bin_dir,
                                                    const LocalFlags& flags,
                                                    int supervision_port);
// Leader election of both controllers on one machine: shorter than client-go's 15 s / 10 s /
// 2 s so that a standby takes over within kLocalLeaseDuration (+ 250 ms) of a leader's
// death, yet a leader keeps the lease through kLocalRenewDeadline of failed or slow
// renewals (retried every kLocalRetryPeriod) on a loaded two-core machine before it gives
// up (and exits).
inline constexpr char kLocalLeaseDuration[] = "8s";
inline constexpr char kLocalRenewDeadline[] = "5s";
inline constexpr char kLocalRetryPeriod[] = "1s";
// The Lease each controller holds while it leads (namespace "default"): `up` waits for it.
inline constexpr char kSchedulerLease[] = "flyover-scheduler";
inline constexpr char kOperatorLease[] = "flyover-operator";
// The loopback ports of one node's plugin: fault control and the npu-exporter's /metrics
// (many plugins share the host, so each gets its own).
struct DevicePluginPorts {
  int fault = 0;
  int metrics = 0;
};
// Node `node`'s plugin with its fault-control endpoint and its exporter on `ports`.
[[nodiscard]] std::vector<std::string> DevicePluginArgv(const std::string& bin_dir,
                                                        const LocalLayout& layout,
                                                        const std::string& node,
                                                        DevicePluginPorts ports);

// Where the repository's crds/ are: <bin>/../share/flyover/crds when installed, else
// the source tree this binary was built from.
[[nodiscard]] std::string DefaultCrdsDirectory(const std::string& bin_dir);

std::string LocalUsage();

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_LOCAL_FLAGS_H_
