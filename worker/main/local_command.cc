// `flyover-worker local`: a standalone run. One agent per emulated pod runs on its own
// thread here, under a LocalSupervisor that restarts every rank in place when one fails;
// the ranks rendezvous through a directory (FLYOVER_RENDEZVOUS=file:<work-dir>/rendezvous).
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/status.h"
#include "common/posix_file_system.h"
#include "nlohmann/json.hpp"
#include "worker/agent/agent.h"
#include "worker/agent/local_supervisor.h"
#include "worker/agent/posix_rank_launcher.h"
#include "worker/main/commands.h"
#include "worker/main/config_file.h"
#include "worker/main/local_report.h"
#include "worker/main/stop_signals.h"
#include "worker/ranktable/local_rank_table.h"
#include "worker/train/train_config.h"

namespace flyover::worker {
namespace {

absl::StatusOr<std::string> PrepareWorkDir(const LocalFlags& flags) {
  std::string dir = flags.work_dir;
  if (dir.empty()) {
    std::string pattern = "/tmp/flyover-local-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) return absl::InternalError("mkdtemp failed");
    dir = pattern;
  }
  if (absl::Status status = DefaultFileSystem()->CreateDirs(dir); !status.ok()) {
    return Annotate(status, "--work-dir");
  }
  // A previous run's rendezvous keys name peers long gone: start the rendezvous afresh.
  // (Its checkpoints stay: a second run in the same directory resumes from them.)
  if (absl::Status status = DefaultFileSystem()->DeleteDirRecursively(dir + "/rendezvous");
      !status.ok() && !absl::IsNotFound(status)) {
    return Annotate(status, "--work-dir");
  }
  return dir;
}

// The config as JSON, with checkpoint.path defaulting to <work-dir>/checkpoints.
absl::StatusOr<std::string> PrepareConfig(const LocalFlags& flags, const std::string& dir) {
  absl::StatusOr<std::string> text = LoadConfigFileAsJson(*DefaultFileSystem(), flags.config);
  if (!text.ok()) return text.status();
  nlohmann::json config = nlohmann::json::parse(*text);
  if (!config.contains("checkpoint")) config["checkpoint"] = nlohmann::json::object();
  if (config["checkpoint"].is_object() && !config["checkpoint"].contains("path")) {
    config["checkpoint"]["path"] = dir + "/checkpoints";
  }
  return config.dump();
}

std::string ReplicaDir(const std::string& dir, int pod) {
  return absl::StrCat(dir, "/pod-", pod, "/replicas");
}

// New pods hold no replicas: empties each pod's replica dir of an earlier run.
absl::Status ClearReplicaDirs(const std::string& dir, int pods) {
  for (int pod = 0; pod < pods; ++pod) {
    absl::Status status = DefaultFileSystem()->DeleteDirRecursively(ReplicaDir(dir, pod));
    if (!status.ok() && !absl::IsNotFound(status)) return Annotate(status, "--work-dir");
  }
  return absl::OkStatus();
}

// Whether ranks keep cross-pod replicas, so a restart should name no resume step.
bool ResumesFromMemory(const std::string& config_json, int pods) {
  absl::StatusOr<TrainConfig> config = ParseTrainConfigText(config_json);
  return pods >= 2 && config.ok() && config->checkpoint.in_memory_replicas > 0;
}

AgentOptions PodOptions(const LocalFlags& flags, const std::string& dir, int pod,
                        LocalRunReport& report) {
  AgentOptions options{.job = flags.job,
                       .pod = absl::StrCat("pod-", pod),
                       .rank_index = pod,
                       .replicas = flags.ranks / flags.ranks_per_pod,
                       .npus_per_replica = flags.ranks_per_pod,
                       .rank_table_file = absl::StrCat(dir, "/pod-", pod, "/hccl.json"),
                       .rendezvous = absl::StrCat("file:", dir, "/rendezvous"),
                       .checkpoint_request_file = absl::StrCat(dir, "/pod-", pod, "/checkpoint-request"),
                       .replica_dir = ReplicaDir(dir, pod),
                       .rank_argv = {SelfExecutable(), "rank"},
                       .kill_rank = flags.kill_rank,
                       .kill_at_step = flags.kill_at_step};
  options.kill_pod = flags.kill_pod == pod;
  if (options.kill_pod) {
    options.on_pod_killed = [replicas = options.replica_dir] {
      // The pod is lost, and with it the replicas it held in memory.
      (void)DefaultFileSystem()->DeleteDirRecursively(replicas);
    };
  }
  options.heartbeat_interval = absl::Milliseconds(200);
  options.stop_grace = absl::Seconds(5);
  options.command_timeout = absl::Seconds(30);
  options.on_progress = [&report](int rank, int64_t generation, const ProgressLine& line) {
    report.Record(rank, generation, line);
  };
  return options;
}

}  // namespace

int RunLocalCommand(const LocalFlags& flags) {
  (void)log::ConfigureFromEnvironment();
  absl::StatusOr<std::string> dir = PrepareWorkDir(flags);
  absl::StatusOr<std::string> config = dir.ok() ? PrepareConfig(flags, *dir) : dir.status();
  absl::StatusOr<RankTable> table = GenerateLocalRankTable(
      {.ranks = flags.ranks, .ranks_per_pod = flags.ranks_per_pod});
  const int pods = flags.ranks / flags.ranks_per_pod;
  const absl::Status cleared = dir.ok() ? ClearReplicaDirs(*dir, pods) : absl::OkStatus();
  for (const absl::Status& status : {dir.status(), config.status(), table.status(), cleared}) {
    if (status.ok()) continue;
    std::fprintf(stderr, "flyover-worker local: %s\n", status.ToString().c_str());
    return kAgentBadInput;
  }
  ::setenv("FLYOVER_JOB", flags.job.c_str(), 1);
  ::setenv("FLYOVER_JOB_CONFIG", config->c_str(), 1);
  std::printf("local run: %d ranks on %d pods, work dir %s\n", flags.ranks, pods, dir->c_str());
  std::fflush(stdout);
  const std::atomic<bool>* stop = InstallStopSignalHandlers();
  LocalSupervisor supervisor(SerializeRankTable(*table), pods, flags.max_restarts,
                             ResumesFromMemory(*config, pods));
  LocalRunReport report(flags.ranks, stdout);
  std::vector<int> codes(pods, 0);
  std::vector<std::thread> threads;
  for (int pod = 0; pod < pods; ++pod) {
    threads.emplace_back([&, pod] {
      PosixRankLauncher launcher;
      Agent agent(PodOptions(flags, *dir, pod, report), &supervisor.ClientFor(pod), launcher,
                  *RealClock(), *DefaultFileSystem(), nullptr, stop);
      codes[pod] = agent.Run();
    });
  }
  for (std::thread& thread : threads) thread.join();
  int code = 0;
  for (int pod_code : codes) code = code != 0 ? code : pod_code;
  if (absl::Status status = report.Finish(*DefaultFileSystem(), *dir + "/summary.json", code,
                                          supervisor.restarts(), supervisor.generation());
      !status.ok()) {
    std::fprintf(stderr, "flyover-worker local: %s\n", status.ToString().c_str());
  }
  return code;
}

}  // namespace flyover::worker
