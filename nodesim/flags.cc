#include "nodesim/flags.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::nodesim {
namespace {

absl::Status Bad(absl::string_view flag, absl::string_view value, absl::string_view want) {
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, ": must be ", want, ", got \"", value, "\""));
}

absl::Status ParseInt(absl::string_view flag, const std::string& value, int min, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < min) {
    return Bad(flag, value, absl::StrCat("an integer of at least ", min));
  }
  return absl::OkStatus();
}

absl::Status ParseDuration(absl::string_view flag, const std::string& value, absl::Duration* out) {
  if (!absl::ParseDuration(value, out) || *out <= absl::ZeroDuration()) {
    return Bad(flag, value, "a positive duration such as 10s");
  }
  return absl::OkStatus();
}

absl::Status Apply(NodesimFlags* f, const std::string& name, const std::string& value) {
  if (name == "kubeconfig") f->kubeconfig = value;
  else if (name == "topology") f->topology_file = value;
  else if (name == "super-pods") return ParseInt(name, value, 1, &f->super_pods);
  else if (name == "nodes-per-super-pod") return ParseInt(name, value, 1, &f->nodes_per_super_pod);
  else if (name == "mode") {
    ASSIGN_OR_RETURN(f->mode, ParsePodMode(value, "--mode"));
  } else if (name == "lease-interval") return ParseDuration(name, value, &f->lease_interval);
  else if (name == "status-interval") return ParseDuration(name, value, &f->status_interval);
  else if (name == "node-monitor-grace-period") {
    return ParseDuration(name, value, &f->node_monitor_grace_period);
  } else if (name == "node-monitor-period") {
    return ParseDuration(name, value, &f->node_monitor_period);
  }
  else if (name == "succeed-after") {
    absl::Duration d;
    RETURN_IF_ERROR(ParseDuration(name, value, &d));
    f->succeed_after = d;
  } else if (name == "bind-address") f->bind_address = value;
  else if (name == "port") return ParseInt(name, value, 0, &f->port);
  else if (name == "data-dir") f->data_dir = value;
  else if (name == "workers") return ParseInt(name, value, 1, &f->workers);
  else if (name == "qps") {
    if (!absl::SimpleAtod(value, &f->qps)) return Bad(name, value, "a number");
  } else if (name == "log-level") f->log_level = value;
  else if (name == "chaos-port") return ParseInt(name, value, -1, &f->chaos_port);
  else if (name == "chaos-log") f->chaos_log = value;
  else if (name == "chaos-endpoint-file") f->chaos_endpoint_file = value;
  else if (name == "device-plugin-dir") f->device_plugin_dir = value;
  else return absl::InvalidArgumentError(absl::StrCat("--", name, ": unknown flag (see --help)"));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NodesimFlags> ParseNodesimFlags(int argc, const char* const* argv) {
  NodesimFlags flags;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(arg, ": unexpected argument (see --help)"));
    }
    std::string name = arg.substr(2), value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": needs a value"));
    }
    RETURN_IF_ERROR(Apply(&flags, name, value));
  }
  return flags;
}

absl::StatusOr<std::vector<SimNodeSpec>> Topology(const NodesimFlags& flags) {
  if (flags.topology_file.empty()) {
    return TopologyFromCounts(flags.super_pods, flags.nodes_per_super_pod, flags.mode);
  }
  std::ifstream in(flags.topology_file);
  if (!in) return absl::NotFoundError(absl::StrCat("--topology: cannot read ", flags.topology_file));
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::vector<SimNodeSpec>> nodes = ParseTopologyYaml(text.str());
  if (!nodes.ok()) return Annotate(nodes.status(), absl::StrCat("--topology ", flags.topology_file));
  return nodes;
}

std::string DevicePluginRoot(const NodesimFlags& flags) {
  if (flags.device_plugin_dir == "off") return "";
  if (flags.device_plugin_dir.empty()) return flags.data_dir + "/device-plugins";
  return flags.device_plugin_dir;
}

std::string NodesimUsage() {
  return R"(flyover-nodesim: virtual kubelets for Ascend 910C nodes.

Registers simulated nodes (Node + Lease) with a Kubernetes API server and runs the pods bound
to them, either simulated (Pending -> Running -> Succeeded, no process) or as local processes.

Flags (--name=value or --name value):
  --kubeconfig FILE          API server credentials (default: $KUBECONFIG, then in-cluster)
  --topology FILE            topology YAML (docs/design/nodesim.md); overrides the counts
  --super-pods N             super-pods to simulate (default 1)
  --nodes-per-super-pod M    nodes per super-pod (default 4); nodes are named sp<N>-node<MM>
  --mode simulated|process   default pod mode of every node (default simulated); a pod may
                             choose with the annotation nodesim.flyover.dev/mode
  --lease-interval D         node Lease renewal interval (default 10s)
  --status-interval D        node status heartbeat interval (default 5m)
  --node-monitor-grace-period D
                             a node whose Lease is older than D is marked Ready Unknown and
                             tainted node.kubernetes.io/unreachable (default 40s)
  --node-monitor-period D    how often node Leases are checked (default 5s)
  --succeed-after D          simulated pods turn Succeeded D after starting (default: never;
                             per pod: annotation nodesim.flyover.dev/succeed-after)
  --bind-address A           address of the kubelet HTTP server (default 127.0.0.1)
  --port N                   its port: /containerLogs, /healthz (default 10250; 0 = any)
  --data-dir DIR             pod directories and container logs (default nodesim-data)
  --workers N                pod workers (default 8)
  --qps Q                    API requests per second, all simulated kubelets together
                             (default 2000, burst 2x; 0 = unlimited)
  --log-level L              debug|info|warn|error (default info)
  --chaos-port N             fault-injection API on 127.0.0.1 (nodesim/chaos_server.h;
                             default 0 = any free port; -1 = off)
  --chaos-log FILE           where injections are logged (default <data-dir>/chaos.log)
  --chaos-endpoint-file FILE write the chaos API's "127.0.0.1:<port>" there once serving
  --device-plugin-dir DIR    each process-mode node serves the kubelet's device-plugin
                             Registration on DIR/<node>/kubelet.sock (default
                             <data-dir>/device-plugins; off = none)
  --help                     this text
)";
}

}  // namespace flyover::nodesim
