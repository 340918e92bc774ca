// flyover-operator: OperatorApp (operator_app.h) against the cluster of --kubeconfig, with
// optional Lease leader election. `--help` lists the flags.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"
#include "kube/controller/leader_election_flags.h"
#include "kube/controller/leader_elector.h"
#include "kube/controller/signal_handler.h"
#include "operator/main/operator_flags.h"
#include "operator/operator_app.h"

namespace flyover::op {
namespace {

std::string Identity(const OperatorFlags& flags) {
  if (!flags.leader_elect_id.empty()) return flags.leader_elect_id;
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "_", ::getpid());
}

absl::StatusOr<std::unique_ptr<kube::RestClient>> Connect(const OperatorFlags& flags) {
  absl::StatusOr<kube::RestConfig> config =
      flags.kubeconfig.empty() ? kube::LoadDefaultConfig(DefaultFileSystem(), kube::ProcessEnv())
                               : kube::LoadKubeconfig(DefaultFileSystem(), flags.kubeconfig);
  if (!config.ok()) return config.status();
  return kube::NewRestClient(
      *config, {.rate_limit = {.qps = flags.qps, .burst = static_cast<int>(2 * flags.qps)}});
}

absl::StatusOr<std::unique_ptr<kube::LeaderElector>> Elector(
    const OperatorFlags& flags, kube::RestClient* client,
    std::shared_ptr<prometheus::Registry> registry) {
  if (!flags.leader_elect) return std::unique_ptr<kube::LeaderElector>();
  return kube::NewRestLeaseElector(client, flags.leader_elect_namespace, "flyover-operator",
                                   Identity(flags),
                                   {.lease_duration = flags.leader_elect_lease_duration,
                                    .renew_deadline = flags.leader_elect_renew_deadline,
                                    .retry_period = flags.leader_elect_retry_period},
                                   std::move(registry));
}

absl::Status Run(const OperatorFlags& flags) {
  kube::StopSignal stop;
  ASSIGN_OR_RETURN(auto signals, kube::ShutdownSignalHandler::Install(&stop));
  ASSIGN_OR_RETURN(std::unique_ptr<kube::RestClient> client, Connect(flags));
  OperatorAppOptions options{
      .supervision = {.bind_address = flags.supervision_bind_address,
                      .port = flags.supervision_port,
                      .listen_only_while_leading = flags.supervision_listen_only_while_leading},
      .metrics_server = {.bind_address = flags.metrics_bind_address, .port = flags.metrics_port},
      .workers = flags.workers,
      .identity = Identity(flags)};
  const char* pod_ip = std::getenv("POD_IP");
  options.supervision_url = [&flags, pod_ip](int port) {
    return SupervisionUrl(flags, port, pod_ip == nullptr ? "" : pod_ip);
  };
  // The elector registers its metrics with the registry the app creates, so it is built
  // without one here; its Lease is what matters.
  ASSIGN_OR_RETURN(options.elector, Elector(flags, client.get(), nullptr));
  ASSIGN_OR_RETURN(std::unique_ptr<OperatorApp> app,
                   OperatorApp::Create(client.get(), std::move(options)));
  return app->Run(&stop);
}

}  // namespace
}  // namespace flyover::op

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<flyover::op::OperatorFlags> flags = flyover::op::ParseOperatorFlags(args);
  if (!flags.ok()) {
    std::cerr << "flyover-operator: " << flags.status().message() << "\n"
              << flyover::op::UsageText();
    return 2;
  }
  if (flags->help) {
    std::cout << flyover::op::UsageText();
    return 0;
  }
  absl::Status status = flyover::op::Run(*flags);
  if (!status.ok()) {
    std::cerr << "flyover-operator: " << status << "\n";
    return 1;
  }
  return 0;
}
