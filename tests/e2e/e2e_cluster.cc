#include "tests/e2e/e2e_cluster.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/posix_file_system.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"

namespace flyover::e2e {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandRun RunFlyover(const std::string& args, const std::string& err_file) {
  CommandRun run;
  const std::string command = absl::StrCat(FLYOVER_BINARY, " ", args, " 2>", err_file);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadWholeFile(err_file);
  return run;
}

std::vector<std::string> ProcessesUnder(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::error_code error;
    auto cwd = std::filesystem::read_symlink(entry.path() / "cwd", error);
    if (!error && cwd.string().rfind(dir, 0) == 0) found.push_back(entry.path().string());
  }
  return found;
}

CommandRun LocalCluster::Flyover(const std::string& args) {
  return RunFlyover(args, dir_ + "/stderr.txt");
}

CommandRun LocalCluster::Up(int super_pods, int nodes_per_super_pod) {
  return Flyover(absl::StrCat("local up --data-dir ", data_, " --super-pods ", super_pods,
                              " --nodes-per-super-pod ", nodes_per_super_pod,
                              " --mode process --lease-interval 1s --timeout 90s"));
}

CommandRun LocalCluster::Down() { return Flyover("local down --data-dir " + data_); }

absl::StatusOr<std::unique_ptr<kube::RestClient>> LocalCluster::Client() const {
  auto config =
      kube::LoadKubeconfig(DefaultFileSystem(), data_ + "/kubeconfig");
  if (!config.ok()) return config.status();
  return kube::NewRestClient(*config, {.rate_limit = {.qps = 0}});
}

std::string LocalCluster::ComponentLogs() const {
  std::string text;
  for (const char* name : {"nodesim", "scheduler", "operator"}) {
    std::string log = ReadWholeFile(absl::StrCat(data_, "/logs/", name, ".log"));
    if (log.size() > 6000) log = log.substr(log.size() - 6000);
    absl::StrAppend(&text, "\n--- ", name, ".log (tail)\n", log);
  }
  return text;
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
                                               const std::string& job) {
  static const std::regex kExit(
      R"(msg="rank exited" pod=\S+ rank=0 exit_code=0 signal=0 step=\d+ loss=(\S+))");
  std::optional<std::string> loss;
  const std::string pods = data_dir + "/nodesim/pods";
  if (!std::filesystem::is_directory(pods)) return loss;
  for (const auto& pod : std::filesystem::directory_iterator(pods)) {
    if (pod.path().filename().string().rfind(absl::StrCat("default_", job, "-0-g"), 0) != 0) {
      continue;
    }
    const std::filesystem::path logs = pod.path() / "logs" / "worker";
    if (!std::filesystem::is_directory(logs)) continue;
    for (const auto& log : std::filesystem::directory_iterator(logs)) {
      for (absl::string_view line : absl::StrSplit(ReadWholeFile(log.path()), '\n')) {
        std::smatch match;
        const std::string text(line);
        if (std::regex_search(text, match, kExit)) loss = match[1].str();
      }
    }
  }
  return loss;
}

}  // namespace flyover::e2e
