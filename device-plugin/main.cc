// flyover-device-plugin: see flags.cc's UsageText and docs/design/device-plugin.md.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "common/metrics_server.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "device-plugin/emulated_npu_source.h"
#include "device-plugin/fault_control.h"
#include "device-plugin/fault_publisher.h"
#include "device-plugin/flags.h"
#include "device-plugin/npu_exporter.h"
#include "device-plugin/plugin_server.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/config.h"
#include "kube/controller/event_recorder.h"
#include "kube/controller/event_sink.h"
#include "kube/controller/signal_handler.h"

namespace flyover::deviceplugin {
namespace {

// Placeholder files standing in for /dev/davinci<id> and the shared device nodes.
absl::Status CreateDeviceFiles(const std::string& dir, const NodeDescription& node) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return absl::UnavailableError(absl::StrCat("--device-dir ", dir, ": ", error.message()));
  std::vector<std::string> names = {"davinci_manager", "devmm_svm", "hisi_hdc"};
  for (const DieDescription& die : node.dies) names.push_back(absl::StrCat("davinci", die.id));
  for (const std::string& name : names) std::ofstream(dir + "/" + name).close();
  return absl::OkStatus();
}

// The parts that need the API: annotation lookup, ConfigMap and Events.
struct ApiParts {
  std::unique_ptr<kube::RestClient> client;
  std::unique_ptr<ApiPodLookup> lookup;
  std::unique_ptr<kube::RestEventSink> sink;
  std::unique_ptr<kube::SinkEventRecorder> recorder;
};

absl::StatusOr<ApiParts> ConnectApi(const PluginFlags& flags) {
  ApiParts parts;
  absl::StatusOr<kube::RestConfig> config =
      flags.kubeconfig.empty() ? kube::LoadDefaultConfig(DefaultFileSystem(), kube::ProcessEnv())
                               : kube::LoadKubeconfig(DefaultFileSystem(), flags.kubeconfig);
  if (!config.ok()) return Annotate(config.status(), "--kubeconfig");
  ASSIGN_OR_RETURN(parts.client, kube::NewRestClient(*config));
  parts.lookup = std::make_unique<ApiPodLookup>(parts.client.get(), flags.node_name);
  parts.sink = std::make_unique<kube::RestEventSink>(parts.client.get());
  ASSIGN_OR_RETURN(parts.recorder,
                   kube::SinkEventRecorder::Create(
                       parts.sink.get(),
                       {.component = "flyover-device-plugin", .host = flags.node_name}));
  return parts;
}

absl::Status Run(const PluginFlags& flags) {
  kube::StopSignal stop;
  ASSIGN_OR_RETURN(auto signals, kube::ShutdownSignalHandler::Install(&stop));
  NodeDescription node = DefaultNodeDescription();
  if (!flags.device_file.empty()) {
    ASSIGN_OR_RETURN(node, ReadNodeDescription(flags.device_file));
  }
  RETURN_IF_ERROR(CreateDeviceFiles(flags.device_dir, node));
  EmulatedNpuSource source(node, RealClock());

  ApiParts api;
  if (!flags.no_api) {
    ASSIGN_OR_RETURN(api, ConnectApi(flags));
  }
  NpuDevicePlugin plugin(&source, api.lookup.get(), {.device_dir = flags.device_dir});
  PluginServer server(&plugin, {.device_plugin_dir = flags.device_plugin_dir});
  RETURN_IF_ERROR(server.Start());

  std::unique_ptr<FaultPublisher> publisher;
  if (api.client != nullptr) {
    publisher = std::make_unique<FaultPublisher>(&source, api.client.get(), api.recorder.get(),
                                                 RealClock(),
                                                 FaultPublisherOptions{.node_name = flags.node_name});
    publisher->Start();
  }
  FaultControlServer faults(&source);
  if (flags.fault_port != 0) RETURN_IF_ERROR(faults.Start(flags.fault_port).status());

  auto registry = std::make_shared<prometheus::Registry>();
  NpuExporter exporter(&plugin, registry.get());
  exporter.Start();
  MetricsServer metrics(registry, {.bind_address = "0.0.0.0", .port = flags.metrics_port});
  if (flags.metrics_port != 0) RETURN_IF_ERROR(metrics.Start().status());
  RETURN_IF_ERROR(metrics.AddReadinessCheck("kubelet-registration", [&server] {
    return server.registrations() > 0 ? absl::OkStatus()
                                      : absl::UnavailableError("not registered with the kubelet");
  }));

  log::Info("flyover-device-plugin running",
            {{"node", flags.node_name}, {"dies", static_cast<int>(node.dies.size())}});
  while (!stop.WaitFor(RealClock(), absl::Hours(1))) {
  }
  log::Info("flyover-device-plugin stopping");
  exporter.Stop();
  if (publisher) publisher->Stop();
  faults.Stop();
  server.Stop();
  if (api.recorder) api.recorder->Stop();
  return absl::OkStatus();
}

}  // namespace
}  // namespace flyover::deviceplugin

int main(int argc, char** argv) {
  using namespace flyover::deviceplugin;
  const char* node_env = std::getenv("NODE_NAME");
  absl::StatusOr<PluginFlags> flags =
      ParseFlags(std::vector<std::string>(argv + 1, argv + argc), node_env ? node_env : "");
  if (!flags.ok()) {
    std::cerr << "flyover-device-plugin: " << flags.status().message() << "\n";
    return 2;
  }
  if (flags->help) {
    std::cout << UsageText();
    return 0;
  }
  if (absl::Status config = flyover::log::ConfigureFromEnvironment(); !config.ok()) {
    std::cerr << "flyover-device-plugin: " << config.message() << "\n";
    return 2;
  }
  absl::Status status = Run(*flags);
  if (!status.ok()) {
    flyover::log::Error(status, "flyover-device-plugin failed");
    return 1;
  }
  return 0;
}
