// flyover-nodesim: the binary. Parses flags (flags.h), starts the kubelet HTTP server
// (log_server.h), registers the nodes and keeps their leases and status fresh
// (node_heartbeater.h), marks nodes whose Lease went stale unreachable
// (node_lifecycle.h), runs the pods bound to them (pod_controller.h), prints
// "nodesim ready nodes=<n> port=<p> chaos=<address>" on stdout, and stops on SIGTERM/SIGINT.
// The fault-injection API (chaos_server.h) serves on 127.0.0.1 unless --chaos-port=-1.
// Process-mode nodes play the kubelet toward device plugins (device_nodes.h) on
// <--device-plugin-dir>/<node>/kubelet.sock unless --device-plugin-dir=off.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>

#include "common/log.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "nodesim/chaos_actions.h"
#include "nodesim/chaos_server.h"
#include "nodesim/chaos_state.h"
#include "nodesim/device_nodes.h"
#include "nodesim/flags.h"
#include "nodesim/log_server.h"
#include "nodesim/node_heartbeater.h"
#include "nodesim/node_lifecycle.h"
#include "nodesim/pod_controller.h"
#include "nodesim/process_pod_runtime.h"
#include "nodesim/simulated_pod_runtime.h"

namespace flyover::nodesim {
namespace {

absl::StatusOr<std::unique_ptr<kube::RestClient>> Connect(const NodesimFlags& flags) {
  absl::StatusOr<kube::RestConfig> config =
      flags.kubeconfig.empty() ? kube::LoadDefaultConfig(DefaultFileSystem(), kube::ProcessEnv())
                               : kube::LoadKubeconfig(DefaultFileSystem(), flags.kubeconfig);
  if (!config.ok()) return Annotate(config.status(), "--kubeconfig");
  kube::RestClientOptions options;
  options.rate_limit = {.qps = flags.qps, .burst = std::max(1, static_cast<int>(flags.qps * 2))};
  options.user_agent = "flyover-nodesim/0.1";
  return kube::NewRestClient(*config, options);
}

// Starts the fault-injection API (unless --chaos-port=-1) and writes its address to
// --chaos-endpoint-file (temp file and rename, so a reader never sees half of it).
absl::Status StartChaos(const NodesimFlags& flags, ChaosServer* server) {
  if (flags.chaos_port < 0) return absl::OkStatus();
  RETURN_IF_ERROR(server->Start());
  if (flags.chaos_endpoint_file.empty()) return absl::OkStatus();
  std::string temp = flags.chaos_endpoint_file + ".tmp";
  std::ofstream(temp, std::ios::trunc) << server->address() << "\n";
  if (std::rename(temp.c_str(), flags.chaos_endpoint_file.c_str()) != 0) {
    return absl::InternalError("--chaos-endpoint-file: cannot write " + flags.chaos_endpoint_file);
  }
  return absl::OkStatus();
}

// The kubelet's device managers of the process-mode nodes (--device-plugin-dir); null when
// off or when no node runs processes.
absl::StatusOr<std::unique_ptr<NodeDevices>> StartDevices(const NodesimFlags& flags,
                                                          const std::vector<SimNodeSpec>& nodes,
                                                          kube::RestClient* client,
                                                          const ChaosState* chaos) {
  const std::string root = DevicePluginRoot(flags);
  std::vector<std::string> process_nodes;
  for (const SimNodeSpec& node : nodes) {
    if (node.mode == PodMode::kProcess) process_nodes.push_back(node.name);
  }
  if (root.empty() || process_nodes.empty()) return nullptr;
  absl::StatusOr<std::unique_ptr<NodeDevices>> devices =
      NodeDevices::Start(client, process_nodes, {.root_dir = root, .chaos = chaos});
  if (!devices.ok()) return Annotate(devices.status(), "--device-plugin-dir");
  return devices;
}

absl::Status Run(const NodesimFlags& flags) {
  ASSIGN_OR_RETURN(log::Level level, log::ParseLevel(flags.log_level));
  log::SetLevel(level);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ASSIGN_OR_RETURN(std::vector<SimNodeSpec> nodes, Topology(flags));
  ASSIGN_OR_RETURN(std::unique_ptr<kube::RestClient> client, Connect(flags));
  ApiObjectSource source(client.get());
  ChaosState chaos(flags.data_dir + "/chaos");
  ASSIGN_OR_RETURN(std::unique_ptr<NodeDevices> devices,
                   StartDevices(flags, nodes, client.get(), &chaos));
  ProcessPodRuntime process(client.get(), &source,
                            {.data_dir = flags.data_dir, .chaos = &chaos,
                             .devices = devices.get()});
  SimulatedPodRuntime simulated(client.get(), {.succeed_after = flags.succeed_after});
  LogServer logs([&process](const std::string& key, const std::string& container,
                            bool previous) { return process.ContainerLog(key, container, previous); },
                 {.bind_address = flags.bind_address, .port = flags.port});
  RETURN_IF_ERROR(logs.Start());

  // As on a cluster, a Lease lasts as long as the lifecycle controller's grace period (both
  // 40 s by default): readers of the Lease alone reach the same verdict.
  NodeObjectOptions node_options{.kubelet_port = logs.port(),
                                 .lease_duration = flags.node_monitor_grace_period};
  if (devices != nullptr) {
    node_options.device_counts = [&devices](const std::string& node) {
      return devices->Counts(node);
    };
  }
  NodeHeartbeater heartbeater(client.get(), nodes, node_options,
                              {.lease_interval = flags.lease_interval,
                               .status_interval = flags.status_interval,
                               .chaos = &chaos});
  RETURN_IF_ERROR(heartbeater.RegisterAll());
  heartbeater.Start();
  std::set<std::string> node_names;
  for (const SimNodeSpec& node : nodes) node_names.insert(node.name);
  NodeLifecycleController lifecycle(client.get(), std::move(node_names),
                                    {.grace_period = flags.node_monitor_grace_period,
                                     .monitor_period = flags.node_monitor_period});
  lifecycle.Start();
  PodController pods(client.get(), &nodes, &simulated, &process,
                     {.workers = flags.workers, .chaos = &chaos});
  RETURN_IF_ERROR(pods.Start());
  ChaosActions actions(&chaos, &process, nodes,
                       {.log_path = flags.chaos_log.empty() ? flags.data_dir + "/chaos.log"
                                                            : flags.chaos_log});
  ChaosServer chaos_server(&actions, std::max(0, flags.chaos_port));
  RETURN_IF_ERROR(StartChaos(flags, &chaos_server));
  std::cout << "nodesim ready nodes=" << nodes.size() << " port=" << logs.port()
            << " chaos=" << (flags.chaos_port < 0 ? "off" : chaos_server.address()) << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info("stopping", {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
  pods.Stop();
  lifecycle.Stop();
  heartbeater.Stop();
  if (devices != nullptr) devices->Shutdown();
  chaos_server.Stop();
  logs.Stop();
  return absl::OkStatus();
}

}  // namespace
}  // namespace flyover::nodesim

int main(int argc, char** argv) {
  using namespace flyover::nodesim;
  absl::StatusOr<NodesimFlags> flags = ParseNodesimFlags(argc, argv);
  if (!flags.ok()) {
    std::cerr << "flyover-nodesim: " << flags.status().message() << "\n";
    return 2;
  }
  if (flags->help) {
    std::cout << NodesimUsage();
    return 0;
  }
  if (absl::Status status = Run(*flags); !status.ok()) {
    flyover::log::Error(status, "flyover-nodesim failed");
    return 1;
  }
  return 0;
}
