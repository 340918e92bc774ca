// The per-node flyover-device-plugin processes of a process-mode `flyover local` cluster
// (local_flags.h has their paths; component "device-plugin-<node>").
//
// EnsureDevicePlugins starts the plugin of each node that has none running, after nodesim
// serves the nodes' kubelet.sock, giving it a free loopback port for its fault-control
// endpoint and recording "127.0.0.1:<port>" in DIR/run/device-plugin-<node>.fault; running
// plugins are left alone. WaitDevicePlugins then waits, for each plugin started now, until
// its log (since the start) shows its registration with the node's kubelet (nodesim), its
// fault endpoint lists every die healthy, and the Node's allocatable huawei.com/Ascend910
// equals that die count (16): nodesim writes it from the plugin's ListAndWatch.
// StopDevicePlugins and PrintDevicePluginStatus work from the pid files in DIR/run, so
// they need no flags. Progress and errors go to `err`, naming the component.
#ifndef FLYOVER_CLI_DEVICE_PLUGINS_H_
#define FLYOVER_CLI_DEVICE_PLUGINS_H_

#include <sys/types.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/local_flags.h"
#include "kube/client/rest_client.h"

namespace flyover::cli {

inline constexpr char kAscendResource[] = "huawei.com/Ascend910";

struct StartedPlugin {
  std::string node;
  pid_t pid = 0;
  std::uintmax_t log_offset = 0;  // the log's size before the start
};

[[nodiscard]] absl::StatusOr<std::vector<StartedPlugin>> EnsureDevicePlugins(
    const LocalLayout& layout, const std::string& bin_dir, const std::vector<std::string>& nodes,
    std::ostream& err);

[[nodiscard]] absl::Status WaitDevicePlugins(const LocalLayout& layout,
                                             const std::vector<StartedPlugin>& started,
                                             kube::RestClient* client, absl::Time deadline);

// The nodes with a device-plugin pid file in DIR/run, sorted.
[[nodiscard]] std::vector<std::string> DevicePluginNodes(const LocalLayout& layout);

// Stops every recorded plugin and removes its pid and fault files; false if one would not die.
bool StopDevicePlugins(const LocalLayout& layout, std::ostream& err);

// One line per recorded plugin (running or not, pid, log, fault endpoint), or one line
// saying there are none (simulated clusters run none). True when all recorded ones run.
bool PrintDevicePluginStatus(const LocalLayout& layout, std::ostream& out);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_DEVICE_PLUGINS_H_
