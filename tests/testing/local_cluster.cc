#include "tests/testing/local_cluster.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/posix_file_system.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"

namespace flyover::local_cluster {
namespace fs = std::filesystem;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

LocalCluster::LocalCluster(LocalClusterOptions options) : options_(std::move(options)) {
  if (options_.stderr_file.empty()) options_.stderr_file = options_.data_dir + ".stderr";
}

CommandRun LocalCluster::Flyover(const std::string& args) {
  CommandRun run;
  const std::string command =
      absl::StrCat(options_.flyover_binary, " ", args, " 2>", options_.stderr_file);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadWholeFile(options_.stderr_file);
  return run;
}

CommandRun LocalCluster::Up(int super_pods, int nodes_per_super_pod) {
  return Flyover(absl::StrCat("local up --data-dir ", options_.data_dir, " --super-pods ",
                              super_pods, " --nodes-per-super-pod ", nodes_per_super_pod,
                              " --mode process --lease-interval 1s --timeout ",
                              absl::ToInt64Seconds(options_.up_timeout), "s"));
}

CommandRun LocalCluster::Down() { return Flyover("local down --data-dir " + options_.data_dir); }

absl::StatusOr<std::unique_ptr<kube::RestClient>> LocalCluster::Client() const {
  auto config = kube::LoadKubeconfig(DefaultFileSystem(), options_.data_dir + "/kubeconfig");
  if (!config.ok()) return config.status();
  return kube::NewRestClient(*config,
                             {.timeout = options_.request_timeout, .rate_limit = {.qps = 0}});
}

std::string LocalCluster::ComponentLogs() const {
  std::string text;
  for (const char* name : {"nodesim", "scheduler", "operator"}) {
    std::string log = ReadWholeFile(absl::StrCat(options_.data_dir, "/logs/", name, ".log"));
    const size_t tail = options_.log_tail_bytes;
    if (log.size() > tail) log = log.substr(log.size() - tail);
    absl::StrAppend(&text, "\n--- ", name, ".log (tail)\n", log);
  }
  return text;
}

std::vector<int> PidsUnder(const std::string& dir_prefix) {
  std::vector<int> pids;
  std::error_code listing;
  for (const auto& entry : fs::directory_iterator("/proc", listing)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::error_code error;
    const fs::path cwd = fs::read_symlink(entry.path() / "cwd", error);
    if (!error && cwd.string().rfind(dir_prefix, 0) == 0) pids.push_back(pid);
  }
  return pids;
}

nlohmann::json WaitForJob(kube::RestClient& client, const std::string& ns,
                          const std::string& name, absl::Duration timeout,
                          const std::function<bool(const nlohmann::json&)>& done) {
  nlohmann::json job;
  for (absl::Time end = absl::Now() + timeout; absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(200))) {
    absl::StatusOr<nlohmann::json> got = client.Get(kube::PostTrainingJobsResource(), ns, name);
    if (!got.ok()) continue;
    job = *std::move(got);
    if (done(job)) return job;
  }
  return job;
}

std::optional<std::string> FinalLossOfRankZero(const std::string& data_dir,
                                               const std::string& ns, const std::string& job) {
  static const std::regex kCleanExitOfRankZero(
      R"(msg="rank exited" pod=\S+ rank=0 exit_code=0 signal=0 step=\d+ loss=(\S+))");
  std::optional<std::string> loss;
  const fs::path pods = data_dir + "/nodesim/pods";
  if (!fs::is_directory(pods)) return loss;
  const std::string rank_zero_pods = absl::StrCat(ns, "_", job, "-0-g");
  for (const auto& pod : fs::directory_iterator(pods)) {
    if (pod.path().filename().string().rfind(rank_zero_pods, 0) != 0) continue;
    const fs::path logs = pod.path() / "logs" / "worker";
    if (!fs::is_directory(logs)) continue;
    for (const auto& log : fs::directory_iterator(logs)) {
      for (absl::string_view line : absl::StrSplit(ReadWholeFile(log.path()), '\n')) {
        std::smatch match;
        const std::string text(line);
        if (std::regex_search(text, match, kCleanExitOfRankZero)) loss = match[1].str();
      }
    }
  }
  return loss;
}

}  // namespace flyover::local_cluster
