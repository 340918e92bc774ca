// `flyover-worker agent`: the agent of one pod, configured by its environment.
#include <unistd.h>

#include <atomic>
#include <memory>

#include "common/log.h"
#include "common/metrics_server.h"
#include "common/posix_file_system.h"
#include "worker/agent/agent.h"
#include "worker/agent/http_supervision_client.h"
#include "worker/agent/posix_rank_launcher.h"
#include "worker/main/agent_env.h"
#include "worker/main/commands.h"
#include "worker/main/loss_log.h"
#include "worker/main/stop_signals.h"

namespace flyover::worker {

std::string SelfExecutable() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  return n > 0 ? std::string(path, static_cast<size_t>(n)) : "/proc/self/exe";
}

int RunAgentCommand() {
  (void)log::ConfigureFromEnvironment();
  absl::StatusOr<AgentSetup> setup = AgentSetupFromEnv(ProcessEnvironment());
  if (!setup.ok()) {
    log::Error(setup.status(), "agent: bad environment");
    return kAgentBadInput;
  }
  setup->options.rank_argv = {SelfExecutable(), "rank"};
  std::unique_ptr<HttpSupervisionClient> client;
  if (!setup->supervision_url.empty()) {
    auto created = HttpSupervisionClient::Create({.endpoint = setup->supervision_url,
                                                  .job = setup->options.job,
                                                  .bearer_token = setup->supervision_token});
    if (!created.ok()) {
      log::Error(created.status(), "agent: bad supervision settings");
      return kAgentBadInput;
    }
    client = std::move(*created);
  }
  const std::atomic<bool>* stop = InstallStopSignalHandlers();
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(registry);
  std::shared_ptr<LossLog> loss_log;
  if (!setup->loss_log.empty()) {
    absl::StatusOr<std::unique_ptr<LossLog>> opened = LossLog::Open(setup->loss_log);
    if (!opened.ok()) {
      log::Error(opened.status(), "agent: bad environment");
      return kAgentBadInput;
    }
    loss_log = std::move(*opened);
  }
  auto progressing = std::make_shared<std::atomic<bool>>(false);
  setup->options.on_progress = [progressing, loss_log, warned = false](
                                   int rank, int64_t generation, const ProgressLine& line) mutable {
    progressing->store(true);
    if (loss_log == nullptr) return;
    if (absl::Status written = loss_log->Append(rank, generation, line); !written.ok() && !warned) {
      log::Error(written, "agent: loss log write failed (reported once)");
      warned = true;
    }
  };
  std::unique_ptr<MetricsServer> server;
  if (setup->metrics_port >= 0) {
    server = std::make_unique<MetricsServer>(
        registry, MetricsServerOptions{.bind_address = setup->metrics_address,
                                       .port = setup->metrics_port});
    (void)server->AddReadinessCheck("ranks", [progressing]() {
      return progressing->load() ? absl::OkStatus()
                                 : absl::UnavailableError("no rank has reported progress yet");
    });
    if (absl::StatusOr<int> port = server->Start(); !port.ok()) {
      log::Error(port.status(), "agent: metrics server not started");
    }
  }
  PosixRankLauncher launcher;
  Agent agent(setup->options, client.get(), launcher, *RealClock(), *DefaultFileSystem(),
              &metrics, stop);
  return agent.Run();
}

}  // namespace flyover::worker
