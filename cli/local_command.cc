#include "cli/local_command.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/crd_apply.h"
#include "cli/daemon.h"
#include "cli/device_plugins.h"
#include "cli/local_flags.h"
#include "cli/local_process.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"
#include "nlohmann/json.hpp"
#include "nodesim/flags.h"
#include "nodesim/node_object.h"

namespace flyover::cli {
namespace {

absl::StatusOr<std::unique_ptr<kube::RestClient>> Connect(const LocalLayout& layout) {
  ASSIGN_OR_RETURN(kube::RestConfig config,
                   kube::LoadKubeconfig(DefaultFileSystem(), layout.Kubeconfig()));
  return kube::NewRestClient(config, {.timeout = absl::Seconds(10), .rate_limit = {.qps = 0}});
}

absl::StatusOr<std::vector<nodesim::SimNodeSpec>> ExpectedNodes(const LocalFlags& flags) {
  nodesim::NodesimFlags n;
  n.super_pods = flags.super_pods;
  n.nodes_per_super_pod = flags.nodes_per_super_pod;
  n.topology_file = flags.topology_file;
  ASSIGN_OR_RETURN(n.mode, nodesim::ParsePodMode(flags.mode, "--mode"));
  return nodesim::Topology(n);
}

// The nodes that run processes, and so get a device plugin (nodesim serves their kubelet.sock).
std::vector<std::string> ProcessNodes(const std::vector<nodesim::SimNodeSpec>& nodes) {
  std::vector<std::string> names;
  for (const nodesim::SimNodeSpec& node : nodes) {
    if (node.mode == nodesim::PodMode::kProcess) names.push_back(node.name);
  }
  return names;
}

// In process mode, starts the nodes' device plugins and waits for their dies.
absl::Status UpDevicePlugins(const LocalLayout& layout, const std::vector<std::string>& nodes,
                             kube::RestClient* client, absl::Time deadline, std::ostream& err) {
  if (nodes.empty()) {
    err << "device-plugins: none (no process-mode node)\n";
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<StartedPlugin> started,
                   EnsureDevicePlugins(layout, SelfDirectory(), nodes, err));
  RETURN_IF_ERROR(WaitDevicePlugins(layout, started, client, deadline));
  if (!started.empty()) {
    err << "device-plugins: " << started.size() << " reporting " << kAscendResource << "\n";
  }
  return absl::OkStatus();
}

// The operator replicas' shared supervision port: the recorded one while an operator runs,
// else a free loopback port, recorded for the next replica (LocalLayout).
absl::StatusOr<int> SupervisionPort(const LocalLayout& layout, const Component& op) {
  if (RunningPid(layout, op)) {
    std::string recorded;
    std::getline(std::ifstream(layout.SupervisionEndpointFile()), recorded);
    int port = 0;
    if (size_t colon = recorded.rfind(':'); colon != std::string::npos &&
                                            absl::SimpleAtoi(recorded.substr(colon + 1), &port)) {
      return port;
    }
  }
  ASSIGN_OR_RETURN(int port, FreeLoopbackPort());
  std::ofstream(layout.SupervisionEndpointFile()) << "127.0.0.1:" << port << "\n";
  return port;
}

// Starts the scheduler and the operator and waits until each holds its leader Lease.
absl::Status UpControllers(const LocalFlags& flags, kube::RestClient* client, absl::Time deadline,
                           std::ostream& err) {
  const std::string bin = SelfDirectory();
  LocalLayout layout(flags.data_dir);
  ASSIGN_OR_RETURN(int supervision_port, SupervisionPort(layout, LocalComponents()[3]));
  struct Controller {
    const Component& component;
    std::vector<std::string> argv;
    const char* lease;
  };
  const Controller controllers[] = {
      {LocalComponents()[2], SchedulerArgv(bin, flags), kSchedulerLease},
      {LocalComponents()[3], OperatorArgv(bin, flags, supervision_port), kOperatorLease}};
  for (const Controller& c : controllers) {
    ASSIGN_OR_RETURN(auto pid, EnsureComponent(layout, c.component, c.argv, err));
    RETURN_IF_ERROR(WaitFor(c.component.name, pid.first, deadline, [&]() -> absl::Status {
      ASSIGN_OR_RETURN(nlohmann::json lease,
                       client->Get(kube::LeasesResource(), "default", c.lease));
      const nlohmann::json* holder = nullptr;
      if (auto spec = lease.find("spec"); spec != lease.end() && spec->is_object()) {
        if (auto h = spec->find("holderIdentity"); h != spec->end()) holder = &*h;
      }
      if (holder && holder->is_string() && !holder->get<std::string>().empty()) {
        return absl::OkStatus();
      }
      return absl::UnavailableError("no leader yet");
    }));
    err << c.component.name << ": leading (Lease default/" << c.lease << ")\n";
  }
  return absl::OkStatus();
}

absl::Status Up(const LocalFlags& flags, std::ostream& out, std::ostream& err) {
  LocalLayout layout(flags.data_dir);
  for (const char* sub : {"logs", "run", "apiserver", "nodesim"}) {
    std::filesystem::create_directories(layout.dir + "/" + sub);
  }
  ASSIGN_OR_RETURN(std::vector<nodesim::SimNodeSpec> specs, ExpectedNodes(flags));
  const size_t expected = specs.size();
  const std::string bin = SelfDirectory();
  const Component& api = LocalComponents()[0];
  const Component& sim = LocalComponents()[1];
  absl::Time deadline = absl::Now() + flags.timeout;

  if (!RunningPid(layout, api)) std::filesystem::remove(layout.Kubeconfig());
  ASSIGN_OR_RETURN(auto api_pid, EnsureComponent(layout, api, ApiServerArgv(bin, flags), err));
  std::unique_ptr<kube::RestClient> client;
  RETURN_IF_ERROR(WaitFor("apiserver", api_pid.first, deadline, [&]() -> absl::Status {
    ASSIGN_OR_RETURN(client, Connect(layout));
    return client->ListPage(kube::NamespacesResource(), "", {.limit = 1}).status();
  }));
  std::string crds = flags.crds_dir.empty() ? DefaultCrdsDirectory(bin) : flags.crds_dir;
  ASSIGN_OR_RETURN(std::vector<std::string> applied,
                   ApplyCrdDirectory(client.get(), crds, deadline - absl::Now()));
  err << "crds: " << applied.size() << " applied from " << crds << "\n";

  if (!RunningPid(layout, sim)) std::filesystem::remove(layout.ChaosEndpointFile());
  ASSIGN_OR_RETURN(auto sim_pid, EnsureComponent(layout, sim, NodesimArgv(bin, flags), err));
  if (sim_pid.second) {
    RETURN_IF_ERROR(WaitFor("nodesim", sim_pid.first, deadline, [&]() -> absl::Status {
      if (!std::filesystem::exists(layout.ChaosEndpointFile())) {
        return absl::UnavailableError("not serving yet");
      }
      ASSIGN_OR_RETURN(kube::ObjectList nodes,
                       client->List(kube::NodesResource(), "",
                                    {.label_selector = nodesim::kLabelNodesimMode}));
      if (nodes.items.size() >= expected) return absl::OkStatus();
      return absl::UnavailableError(
          absl::StrCat(nodes.items.size(), " of ", expected, " nodes registered"));
    }));
    err << "nodesim: " << expected << " nodes registered\n";
  }
  RETURN_IF_ERROR(UpDevicePlugins(layout, ProcessNodes(specs), client.get(), deadline, err));
  RETURN_IF_ERROR(UpControllers(flags, client.get(), deadline, err));
  out << "export KUBECONFIG=" << layout.Kubeconfig() << "\n";
  return absl::OkStatus();
}

int Down(const LocalFlags& flags, std::ostream& err) {
  LocalLayout layout(flags.data_dir);
  int code = StopDevicePlugins(layout, err) ? 0 : 1;
  const auto& components = LocalComponents();
  for (auto c = components.rbegin(); c != components.rend(); ++c) {
    if (!StopComponent(layout, *c, err)) code = 1;
  }
  std::filesystem::remove(layout.ChaosEndpointFile());
  return code;
}

int Status(const LocalFlags& flags, std::ostream& out) {
  LocalLayout layout(flags.data_dir);
  bool all = true;
  for (const Component& c : LocalComponents()) {
    std::optional<pid_t> pid = RunningPid(layout, c);
    all = all && pid.has_value();
    out << c.name << ": " << (pid ? "running" : "not running");
    if (pid) out << " pid=" << *pid;
    out << " log=" << layout.Log(c.name) << "\n";
  }
  absl::StatusOr<kube::RestConfig> config =
      kube::LoadKubeconfig(DefaultFileSystem(), layout.Kubeconfig());
  out << "api: " << (config.ok() ? config->server : "(no kubeconfig)")
      << " kubeconfig=" << layout.Kubeconfig() << "\n";
  std::ifstream chaos(layout.ChaosEndpointFile());
  std::string endpoint;
  if (chaos >> endpoint) out << "chaos: http://" << endpoint << " log=" << layout.ChaosLog() << "\n";
  all = PrintDevicePluginStatus(layout, out) && all;
  return all ? 0 : 3;
}

}  // namespace

int RunLocal(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "help")) {
    out << LocalUsage();
    return 0;
  }
  absl::StatusOr<LocalFlags> flags = ParseLocalFlags(args);
  if (!flags.ok()) {
    err << "flyover local: " << flags.status().message() << "\n\n" << LocalUsage();
    return 2;
  }
  if (flags->action == "down") return Down(*flags, err);
  if (flags->action == "status") return Status(*flags, out);
  if (absl::Status status = Up(*flags, out, err); !status.ok()) {
    err << "flyover local up: " << status.message() << "\n"
        << "logs: " << flags->data_dir << "/logs/\n";
    return 1;
  }
  return 0;
}

}  // namespace flyover::cli
