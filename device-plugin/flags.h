// The command line of flyover-device-plugin (kubelet-style flags), parsed as a pure
// function so that it is testable. ParseFlags returns InvalidArgument naming the flag for
// an unknown flag, a missing or malformed value, or no node name (flag or $NODE_NAME).
#ifndef FLYOVER_DEVICE_PLUGIN_FLAGS_H_
#define FLYOVER_DEVICE_PLUGIN_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flyover::deviceplugin {

struct PluginFlags {
  bool help = false;
  std::string device_plugin_dir = "/var/lib/kubelet/device-plugins/";
  std::string node_name;      // default $NODE_NAME
  std::string kubeconfig;     // empty: $KUBECONFIG, in-cluster; none: no API features
  std::string device_file;    // empty: a standard 16-die 910C node
  std::string device_dir = "/var/run/flyover/npu";  // emulated device files
  int fault_port = 0;         // 0: no fault-control endpoint
  int metrics_port = 8082;    // npu-exporter's port; 0: none
  bool no_api = false;        // run without the Kubernetes API
};

// `args` without the program name; `node_name_env` is $NODE_NAME ("" if unset).
[[nodiscard]] absl::StatusOr<PluginFlags> ParseFlags(const std::vector<std::string>& args,
                                                     const std::string& node_name_env);
const char* UsageText();

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_FLAGS_H_
