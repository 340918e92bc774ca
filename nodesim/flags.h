// Command-line flags of flyover-nodesim: `--name=value` or `--name value`, each documented
// in UsageText() (printed by --help). Parsing is a pure function, tested without running
// anything; the topology itself is read by Topology() (from --topology FILE or the counts).
#ifndef FLYOVER_NODESIM_FLAGS_H_
#define FLYOVER_NODESIM_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nodesim/topology_config.h"

namespace flyover::nodesim {

struct NodesimFlags {
  bool help = false;
  std::string kubeconfig;  // "" = $KUBECONFIG, then in-cluster
  std::string topology_file;
  int super_pods = 1;
  int nodes_per_super_pod = 4;
  PodMode mode = PodMode::kSimulated;
  absl::Duration lease_interval = absl::Seconds(10);
  absl::Duration status_interval = absl::Minutes(5);
  // The node lifecycle controller (node_lifecycle.h); Kubernetes' defaults.
  absl::Duration node_monitor_grace_period = absl::Seconds(40);
  absl::Duration node_monitor_period = absl::Seconds(5);
  std::optional<absl::Duration> succeed_after;
  std::string bind_address = "127.0.0.1";
  int port = 10250;
  std::string data_dir = "nodesim-data";
  int workers = 8;
  double qps = 2000;  // shared by every simulated kubelet (a real one has its own 50)
  std::string log_level = "info";
  int chaos_port = 0;                // -1: no fault-injection API
  std::string chaos_log;             // "" = <data-dir>/chaos.log
  std::string chaos_endpoint_file;   // where to write "127.0.0.1:<port>"; "" = nowhere
  // Root of the process nodes' device-plugin dirs (<root>/<node>/kubelet.sock);
  // "" = <data-dir>/device-plugins, "off" = no device managers.
  std::string device_plugin_dir;
};

// The root of the per-node device-plugin dirs the flags ask for; "" when off.
[[nodiscard]] std::string DevicePluginRoot(const NodesimFlags& flags);

// InvalidArgument naming the flag for unknown flags, missing or bad values.
[[nodiscard]] absl::StatusOr<NodesimFlags> ParseNodesimFlags(int argc, const char* const* argv);

// The nodes the flags describe.
[[nodiscard]] absl::StatusOr<std::vector<SimNodeSpec>> Topology(const NodesimFlags& flags);

std::string NodesimUsage();

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_FLAGS_H_
