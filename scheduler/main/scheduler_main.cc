// flyover-scheduler: FlyoverScheduler (scheduler/flyover_scheduler.h) against the cluster of
// --kubeconfig, under the controller Manager (metrics, probes, optional Lease leader election:
// informers run on every replica, the scheduling loop only on the leader). `--help` lists the
// flags.
#include <unistd.h>

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
#include "kube/controller/event_recorder.h"
#include "kube/controller/event_sink.h"
#include "kube/controller/leader_election_flags.h"
#include "kube/controller/leader_elector.h"
#include "kube/controller/manager.h"
#include "kube/controller/runnable.h"
#include "kube/controller/signal_handler.h"
#include "scheduler/flyover_scheduler.h"
#include "scheduler/main/scheduler_config.h"
#include "scheduler/main/scheduler_flags.h"

namespace flyover::sched {
namespace {

std::string Identity(const SchedulerFlags& flags) {
  if (!flags.leader_elect_id.empty()) return flags.leader_elect_id;
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, "_", ::getpid());
}

absl::StatusOr<std::unique_ptr<kube::RestClient>> Connect(const SchedulerFlags& flags) {
  absl::StatusOr<kube::RestConfig> config =
      flags.kubeconfig.empty() ? kube::LoadDefaultConfig(DefaultFileSystem(), kube::ProcessEnv())
                               : kube::LoadKubeconfig(DefaultFileSystem(), flags.kubeconfig);
  if (!config.ok()) return Annotate(config.status(), "--kubeconfig");
  return kube::NewRestClient(
      *config, {.rate_limit = {.qps = flags.qps, .burst = static_cast<int>(2 * flags.qps)}});
}

absl::StatusOr<std::unique_ptr<kube::LeaderElector>> Elector(
    const SchedulerFlags& flags, kube::RestClient* client,
    std::shared_ptr<prometheus::Registry> registry) {
  if (!flags.leader_elect) return std::unique_ptr<kube::LeaderElector>();
  return kube::NewRestLeaseElector(client, flags.leader_elect_namespace, flags.scheduler_name,
                                   Identity(flags),
                                   {.lease_duration = flags.leader_elect_lease_duration,
                                    .renew_deadline = flags.leader_elect_renew_deadline,
                                    .retry_period = flags.leader_elect_retry_period},
                                   std::move(registry));
}

absl::Status Run(const SchedulerFlags& flags) {
  kube::StopSignal stop;
  ASSIGN_OR_RETURN(auto signals, kube::ShutdownSignalHandler::Install(&stop));
  ASSIGN_OR_RETURN(std::unique_ptr<kube::RestClient> client, Connect(flags));
  auto registry = std::make_shared<prometheus::Registry>();
  kube::RestEventSink sink(client.get());
  ASSIGN_OR_RETURN(std::unique_ptr<kube::SinkEventRecorder> recorder,
                   kube::SinkEventRecorder::Create(&sink, {.component = flags.scheduler_name}));
  FlyoverSchedulerOptions options{.scheduler_name = flags.scheduler_name,
                                  .registry = registry,
                                  .bind_parallelism = flags.bind_parallelism};
  options.core.spare_nodes_per_super_pod = flags.spare_nodes_per_super_pod;
  ASSIGN_OR_RETURN(std::unique_ptr<FlyoverScheduler> scheduler,
                   FlyoverScheduler::Create(client.get(), recorder.get(), options));
  ASSIGN_OR_RETURN(std::unique_ptr<kube::LeaderElector> elector,
                   Elector(flags, client.get(), registry));
  kube::Manager manager(
      {.name = flags.scheduler_name,
       .metrics_server = {.bind_address = flags.metrics_bind_address, .port = flags.metrics_port},
       .registry = registry},
      std::move(elector));
  RETURN_IF_ERROR(manager.Add(kube::InformerFactoryRunnable(scheduler->factory())));
  RETURN_IF_ERROR(manager.Add(scheduler->LoopRunnable()));
  log::Info("flyover-scheduler starting",
            {{"scheduler_name", flags.scheduler_name}, {"leader_elect", flags.leader_elect}});
  absl::Status status = manager.Run(&stop);
  recorder->Stop();
  return status;
}

}  // namespace
}  // namespace flyover::sched

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  absl::StatusOr<flyover::sched::SchedulerFlags> flags = flyover::sched::LoadSchedulerFlags(
      args, [](const std::string& path) { return flyover::DefaultFileSystem()->ReadFile(path); });
  if (!flags.ok()) {
    std::cerr << "flyover-scheduler: " << flags.status().message() << "\n"
              << flyover::sched::UsageText();
    return 2;
  }
  if (flags->help) {
    std::cout << flyover::sched::UsageText();
    return 0;
  }
  if (absl::Status config = flyover::log::ConfigureFromEnvironment(); !config.ok()) {
    std::cerr << "flyover-scheduler: " << config.message() << "\n";
    return 2;
  }
  absl::Status status = flyover::sched::Run(*flags);
  if (!status.ok()) {
    std::cerr << "flyover-scheduler: " << status << "\n";
    return 1;
  }
  return 0;
}
