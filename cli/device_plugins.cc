#include "cli/device_plugins.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "cli/daemon.h"
#include "cli/local_process.h"
#include "cli/npu_chaos.h"
#include "common/status.h"
#include "kube/client/resource.h"

namespace flyover::cli {
namespace {

constexpr char kRegisteredLine[] = "registered with the kubelet";

std::uintmax_t FileSize(const std::string& path) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

// Whether the log at `path`, from `offset` on, holds `line`.
bool LogShows(const std::string& path, std::uintmax_t offset, const std::string& line) {
  std::ifstream in(path);
  in.seekg(static_cast<std::streamoff>(offset));
  std::ostringstream text;
  text << in.rdbuf();
  return absl::StrContains(text.str(), line);
}

absl::StatusOr<StartedPlugin> StartOne(const LocalLayout& layout, const std::string& bin_dir,
                                       const std::string& node, std::ostream& err) {
  Component c = DevicePluginComponent(node);
  if (std::optional<pid_t> pid = RunningPid(layout, c)) {
    err << c.name << ": already running (pid " << *pid << "), left alone\n";
    return StartedPlugin{};
  }
  std::filesystem::remove(layout.FaultEndpointFile(node));
  std::filesystem::remove(layout.MetricsEndpointFile(node));
  DevicePluginPorts ports;
  ASSIGN_OR_RETURN(ports.fault, FreeLoopbackPort());
  ASSIGN_OR_RETURN(ports.metrics, FreeLoopbackPort());
  std::uintmax_t offset = FileSize(layout.Log(c.name));
  ASSIGN_OR_RETURN(auto pid, EnsureComponent(layout, c,
                                             DevicePluginArgv(bin_dir, layout, node, ports), err));
  std::ofstream(layout.FaultEndpointFile(node)) << "127.0.0.1:" << ports.fault << "\n";
  std::ofstream(layout.MetricsEndpointFile(node)) << "127.0.0.1:" << ports.metrics << "\n";
  return StartedPlugin{node, pid.first, offset};
}

// OK once `plugin` is registered, healthy and counted on its Node (see the header).
absl::Status PluginReady(const LocalLayout& layout, const StartedPlugin& plugin,
                         kube::RestClient* client) {
  const std::string log = layout.Log(DevicePluginComponent(plugin.node).name);
  if (!LogShows(log, plugin.log_offset, kRegisteredLine)) {
    return absl::UnavailableError("not registered with nodesim yet");
  }
  ASSIGN_OR_RETURN(std::string endpoint, ReadEndpointFile(layout.FaultEndpointFile(plugin.node)));
  ASSIGN_OR_RETURN(nlohmann::json faults, CallFaultControl(endpoint, "GET", "/faults"));
  const nlohmann::json dies = faults.value("dies", nlohmann::json::array());
  size_t healthy = std::count_if(dies.begin(), dies.end(), [](const nlohmann::json& die) {
    return die.value("healthy", false);
  });
  if (dies.empty() || healthy != dies.size()) {
    return absl::UnavailableError(absl::StrCat(healthy, " of ", dies.size(), " dies healthy"));
  }
  ASSIGN_OR_RETURN(nlohmann::json node, client->Get(kube::NodesResource(), "", plugin.node));
  std::string allocatable = node.value("status", nlohmann::json::object())
                                .value("allocatable", nlohmann::json::object())
                                .value(kAscendResource, std::string("none"));
  if (allocatable != std::to_string(dies.size())) {
    return absl::UnavailableError(absl::StrCat("allocatable ", kAscendResource, " is ",
                                               allocatable, ", want ", dies.size()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<StartedPlugin>> EnsureDevicePlugins(
    const LocalLayout& layout, const std::string& bin_dir, const std::vector<std::string>& nodes,
    std::ostream& err) {
  std::vector<StartedPlugin> started;
  for (const std::string& node : nodes) {
    ASSIGN_OR_RETURN(StartedPlugin plugin, StartOne(layout, bin_dir, node, err));
    if (plugin.pid != 0) started.push_back(std::move(plugin));
  }
  return started;
}

absl::Status WaitDevicePlugins(const LocalLayout& layout, const std::vector<StartedPlugin>& started,
                               kube::RestClient* client, absl::Time deadline) {
  for (const StartedPlugin& plugin : started) {
    RETURN_IF_ERROR(WaitFor(DevicePluginComponent(plugin.node).name, plugin.pid, deadline,
                            [&] { return PluginReady(layout, plugin, client); }));
  }
  return absl::OkStatus();
}

std::vector<std::string> DevicePluginNodes(const LocalLayout& layout) {
  std::vector<std::string> nodes;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(layout.dir + "/run", error)) {
    std::string file = entry.path().filename().string();
    absl::string_view name = file;
    if (absl::ConsumePrefix(&name, "device-plugin-") && absl::ConsumeSuffix(&name, ".pid")) {
      nodes.emplace_back(name);
    }
  }
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

bool StopDevicePlugins(const LocalLayout& layout, std::ostream& err) {
  bool all = true;
  for (const std::string& node : DevicePluginNodes(layout)) {
    if (StopComponent(layout, DevicePluginComponent(node), err)) {
      std::filesystem::remove(layout.FaultEndpointFile(node));
      std::filesystem::remove(layout.MetricsEndpointFile(node));
    } else {
      all = false;
    }
  }
  return all;
}

bool PrintDevicePluginStatus(const LocalLayout& layout, std::ostream& out) {
  std::vector<std::string> nodes = DevicePluginNodes(layout);
  if (nodes.empty()) {
    out << "device-plugins: none (only process-mode nodes run one)\n";
    return true;
  }
  bool all = true;
  for (const std::string& node : nodes) {
    Component c = DevicePluginComponent(node);
    std::optional<pid_t> pid = RunningPid(layout, c);
    all = all && pid.has_value();
    out << c.name << ": " << (pid ? "running" : "not running");
    if (pid) out << " pid=" << *pid;
    out << " log=" << layout.Log(c.name);
    if (absl::StatusOr<std::string> endpoint = ReadEndpointFile(layout.FaultEndpointFile(node));
        endpoint.ok()) {
      out << " fault=http://" << *endpoint;
    }
    if (absl::StatusOr<std::string> endpoint = ReadEndpointFile(layout.MetricsEndpointFile(node));
        endpoint.ok()) {
      out << " metrics=http://" << *endpoint << "/metrics";
    }
    out << "\n";
  }
  return all;
}

}  // namespace flyover::cli
