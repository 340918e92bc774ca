#include "cli/local_flags.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyover::cli {
namespace {

absl::Status ParseCount(const std::string& flag, const std::string& value, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be a positive integer, got \"", value, "\""));
  }
  return absl::OkStatus();
}

absl::Status ParseDuration(const std::string& flag, const std::string& value,
                           absl::Duration* out) {
  if (!absl::ParseDuration(value, out) || *out <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be a positive duration such as 10s, got \"", value, "\""));
  }
  return absl::OkStatus();
}

std::string Absolute(const std::string& path) {
  std::error_code ignored;
  return std::filesystem::absolute(path, ignored).lexically_normal().string();
}

absl::Status Apply(LocalFlags* f, const std::string& name, const std::string& value) {
  absl::Duration unused;
  if (name == "data-dir") f->data_dir = Absolute(value);
  else if (name == "super-pods") return ParseCount(name, value, &f->super_pods);
  else if (name == "nodes-per-super-pod") return ParseCount(name, value, &f->nodes_per_super_pod);
  else if (name == "topology") f->topology_file = Absolute(value);
  else if (name == "mode") {
    if (value != "simulated" && value != "process") {
      return absl::InvalidArgumentError(
          absl::StrCat("--mode: must be simulated or process, got \"", value, "\""));
    }
    f->mode = value;
  } else if (name == "lease-interval") {
    f->lease_interval = value;
    return ParseDuration(name, value, &unused);
  } else if (name == "node-monitor-grace-period") {
    f->node_monitor_grace_period = value;
    return ParseDuration(name, value, &unused);
  } else if (name == "crds") f->crds_dir = Absolute(value);
  else if (name == "timeout") return ParseDuration(name, value, &f->timeout);
  else return absl::InvalidArgumentError(absl::StrCat("--", name, ": unknown flag"));
  return absl::OkStatus();
}

// A duration as nodesim's flags take it, to the millisecond: "1500ms".
std::string DurationArg(absl::Duration d) {
  return absl::StrCat(absl::ToInt64Milliseconds(d), "ms");
}

}  // namespace

absl::Duration NodeLeaseInterval(const LocalFlags& flags) {
  absl::Duration interval;
  if (!flags.lease_interval.empty() && absl::ParseDuration(flags.lease_interval, &interval)) {
    return interval;
  }
  const bool small = flags.topology_file.empty() &&
                     flags.super_pods * flags.nodes_per_super_pod <= kFastLeaseMaxNodes;
  return small ? absl::Seconds(1) : absl::Seconds(10);
}

absl::Duration NodeMonitorGracePeriod(const LocalFlags& flags) {
  absl::Duration grace;
  if (!flags.node_monitor_grace_period.empty() &&
      absl::ParseDuration(flags.node_monitor_grace_period, &grace)) {
    return grace;
  }
  return NodeLeaseInterval(flags) * kGraceLeaseRenewals;
}

absl::StatusOr<LocalFlags> ParseLocalFlags(const std::vector<std::string>& args) {
  LocalFlags flags;
  if (args.empty() || (args[0] != "up" && args[0] != "down" && args[0] != "status")) {
    return absl::InvalidArgumentError("local: want up, down or status");
  }
  flags.action = args[0];
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--")) {
      return absl::InvalidArgumentError(absl::StrCat(arg, ": unexpected argument"));
    }
    std::string name = arg.substr(2), value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": needs a value"));
    }
    if (absl::Status s = Apply(&flags, name, value); !s.ok()) return s;
  }
  if (flags.data_dir.empty()) return absl::InvalidArgumentError("--data-dir: required");
  return flags;
}

const std::vector<Component>& LocalComponents() {
  static const auto* components = new std::vector<Component>{
      {"apiserver", "flyover-apiserver"}, {"nodesim", "flyover-nodesim"},
      {"scheduler", "flyover-scheduler"}, {"operator", "flyover-operator"}};
  return *components;
}

std::vector<std::string> ApiServerArgv(const std::string& bin_dir, const LocalFlags& flags) {
  LocalLayout layout(flags.data_dir);
  return {bin_dir + "/flyover-apiserver", "--data-dir", flags.data_dir + "/apiserver",
          "--port", "0", "--kubeconfig-out", layout.Kubeconfig()};
}

Component DevicePluginComponent(const std::string& node) {
  return {"device-plugin-" + node, "flyover-device-plugin"};
}

std::vector<std::string> DevicePluginArgv(const std::string& bin_dir, const LocalLayout& layout,
                                          const std::string& node, DevicePluginPorts ports) {
  return {bin_dir + "/flyover-device-plugin", "--node-name", node,
          "--device-plugin-dir", layout.DevicePluginDir(node),
          "--kubeconfig", layout.Kubeconfig(), "--device-dir", layout.NpuDeviceDir(node),
          "--fault-port", std::to_string(ports.fault), "--metrics-port",
          std::to_string(ports.metrics)};
}

std::vector<std::string> NodesimArgv(const std::string& bin_dir, const LocalFlags& flags) {
  LocalLayout layout(flags.data_dir);
  std::vector<std::string> argv{bin_dir + "/flyover-nodesim", "--kubeconfig", layout.Kubeconfig(),
                                "--data-dir", flags.data_dir + "/nodesim", "--port", "0",
                                "--mode", flags.mode, "--chaos-log", layout.ChaosLog(),
                                "--chaos-endpoint-file", layout.ChaosEndpointFile()};
  if (flags.topology_file.empty()) {
    argv.insert(argv.end(), {"--super-pods", std::to_string(flags.super_pods),
                             "--nodes-per-super-pod", std::to_string(flags.nodes_per_super_pod)});
  } else {
    argv.insert(argv.end(), {"--topology", flags.topology_file});
  }
  const absl::Duration lease_interval = NodeLeaseInterval(flags);
  const absl::Duration grace_period = NodeMonitorGracePeriod(flags);
  argv.insert(argv.end(), {"--lease-interval", DurationArg(lease_interval),
                           "--node-monitor-grace-period", DurationArg(grace_period),
                           "--node-monitor-period", DurationArg(lease_interval / 2)});
  return argv;
}

// Both controllers elect a leader through a Lease in "default" (the embedded API server has
// no kube-system until someone creates it); `up` waits for the Lease as proof of life.
std::vector<std::string> SchedulerArgv(const std::string& bin_dir, const LocalFlags& flags) {
  LocalLayout layout(flags.data_dir);
  return {bin_dir + "/flyover-scheduler", "--kubeconfig", layout.Kubeconfig(),
          "--metrics-port", "0", "--leader-elect", "--leader-elect-namespace", "default",
          "--leader-elect-lease-duration", kLocalLeaseDuration,
          "--leader-elect-renew-deadline", kLocalRenewDeadline,
          "--leader-elect-retry-period", kLocalRetryPeriod};
}

std::vector<std::string> OperatorArgv(const std::string& bin_dir, const LocalFlags& flags,
                                      int supervision_port) {
  LocalLayout layout(flags.data_dir);
  return {bin_dir + "/flyover-operator", "--kubeconfig", layout.Kubeconfig(),
          "--metrics-port", "0", "--supervision-bind-address", "127.0.0.1",
          "--supervision-port", std::to_string(supervision_port),
          "--supervision-listen-only-while-leading", "--leader-elect",
          "--leader-elect-namespace", "default",
          "--leader-elect-lease-duration", kLocalLeaseDuration,
          "--leader-elect-renew-deadline", kLocalRenewDeadline,
          "--leader-elect-retry-period", kLocalRetryPeriod};
}

std::string DefaultCrdsDirectory(const std::string& bin_dir) {
  std::string installed = bin_dir + "/../share/flyover/crds";
  if (std::filesystem::is_directory(installed)) return installed;
  return FLYOVER_SOURCE_CRDS_DIR;
}

std::string LocalUsage() {
  return R"(usage: flyover local up|down|status --data-dir DIR [flags]

  up      start flyover-apiserver and flyover-nodesim in the background (already running
          components are left alone), apply crds/, wait for the nodes, in process mode
          start one flyover-device-plugin per node and wait for its 16 dies, start
          flyover-scheduler and flyover-operator and wait for their leader Leases, and
          print the `export KUBECONFIG=DIR/kubeconfig` line to use. Both controllers
          elect leaders with an 8s lease, 5s renew deadline and 1s retry period; the
          operator's supervision address (run/operator.supervision, a free port chosen
          at the first `up`) is served by whichever operator replica leads
  down    stop what `up` started (SIGTERM, then SIGKILL after 15 s) and remove its pid files
  status  show each component (device plugins too): running or not, pid, log, and the
          API server's URL

flags of up:
  --super-pods N --nodes-per-super-pod M   simulated topology (default 1 x 4)
  --topology FILE                          topology YAML instead (docs/design/nodesim.md)
  --mode simulated|process                 how nodes run pods (default simulated)
  --lease-interval D                       node lease renewal interval (default 1s up to
                                           64 nodes, else 10s)
  --node-monitor-grace-period D            a node whose lease is older than D is marked
                                           unreachable (default 4 lease intervals)
  --crds DIR                               CRDs to apply (default: the repository's crds/)
  --timeout D                              how long to wait for each step (default 120s)
)";
}

}  // namespace flyover::cli
