#include "device-plugin/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flyover::deviceplugin {
namespace {

absl::Status ParsePort(const std::string& flag, const std::string& value, int* out) {
  if (!absl::SimpleAtoi(value, out) || *out < 0 || *out > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", value, "\" is not a port number (0..65535)"));
  }
  return absl::OkStatus();
}

}  // namespace

const char* UsageText() {
  return R"(flyover-device-plugin: the kubelet device plugin for (emulated) Ascend 910C NPUs.

Serves huawei.com/Ascend910 to the kubelet over the device-plugin API v1beta1, publishes
faults (ConfigMap kube-system/mindx-dl-deviceinfo-<node>, Events) and npu-exporter metrics.

Flags (--flag=value or --flag value):
  --device-plugin-dir DIR  The kubelet's device-plugin directory
                           (default /var/lib/kubelet/device-plugins/).
  --node-name NAME         This node (default $NODE_NAME).
  --kubeconfig FILE        API access (default $KUBECONFIG, else in-cluster).
  --no-api                 Run without the Kubernetes API: no annotation lookup, no
                           ConfigMap, no Events.
  --device-file FILE       YAML/JSON description of the node's dies (default: a standard
                           16-die 910C node).
  --device-dir DIR         Host directory of the emulated device files
                           (default /var/run/flyover/npu).
  --fault-port PORT        Serve the fault-control endpoint on 127.0.0.1:PORT (default off).
  --metrics-port PORT      Serve /metrics, /healthz, /readyz (default 8082; 0: off).
  --help                   Print this text.
)";
}

absl::StatusOr<PluginFlags> ParseFlags(const std::vector<std::string>& args,
                                       const std::string& node_name_env) {
  PluginFlags flags;
  flags.node_name = node_name_env;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (arg == "--no-api") {
      flags.no_api = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument \"", arg, "\""));
    }
    arg = arg.substr(2);
    std::string value;
    if (size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", arg, ": needs a value"));
    }
    if (arg == "device-plugin-dir") flags.device_plugin_dir = value;
    else if (arg == "node-name") flags.node_name = value;
    else if (arg == "kubeconfig") flags.kubeconfig = value;
    else if (arg == "device-file") flags.device_file = value;
    else if (arg == "device-dir") flags.device_dir = value;
    else if (arg == "fault-port") {
      if (absl::Status s = ParsePort(arg, value, &flags.fault_port); !s.ok()) return s;
    } else if (arg == "metrics-port") {
      if (absl::Status s = ParsePort(arg, value, &flags.metrics_port); !s.ok()) return s;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", arg, " (see --help)"));
    }
  }
  if (flags.node_name.empty()) {
    return absl::InvalidArgumentError("--node-name: required (or set $NODE_NAME)");
  }
  if (flags.device_plugin_dir.empty()) {
    return absl::InvalidArgumentError("--device-plugin-dir: must not be empty");
  }
  return flags;
}

}  // namespace flyover::deviceplugin
