#include "bench/e2e/drill_cluster.h"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/posix_file_system.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"

namespace flyover::drill {
namespace fs = std::filesystem;
using nlohmann::json;

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CommandRun DrillCluster::Flyover(const std::string& args) {
  CommandRun run;
  const std::string err_file = data_ + ".stderr";
  FILE* pipe = popen(absl::StrCat(flyover_, " ", args, " 2>", err_file).c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadWholeFile(err_file);
  return run;
}

CommandRun DrillCluster::Up(int super_pods, int nodes_per_super_pod) {
  return Flyover(absl::StrCat("local up --data-dir ", data_, " --super-pods ", super_pods,
                              " --nodes-per-super-pod ", nodes_per_super_pod,
                              " --mode process --lease-interval 1s --timeout 120s"));
}

CommandRun DrillCluster::Down() { return Flyover("local down --data-dir " + data_); }

absl::StatusOr<std::unique_ptr<kube::RestClient>> DrillCluster::Client() const {
  auto config = kube::LoadKubeconfig(DefaultFileSystem(), data_ + "/kubeconfig");
  if (!config.ok()) return config.status();
  return kube::NewRestClient(*config, {.timeout = absl::Seconds(10), .rate_limit = {.qps = 0}});
}

std::string DrillCluster::ComponentLogs() const {
  std::string text;
  for (const char* name : {"nodesim", "scheduler", "operator"}) {
    std::string log = ReadWholeFile(absl::StrCat(data_, "/logs/", name, ".log"));
    if (log.size() > 4000) log = log.substr(log.size() - 4000);
    absl::StrAppend(&text, "\n--- ", name, ".log (tail)\n", log);
  }
  return text;
}

std::vector<json> ServingPods(kube::RestClient& client, const std::string& ns,
                              const std::string& job) {
  auto pods = client.List(kube::PodsResource(), ns,
                          {.label_selector = absl::StrCat(kube::scheduling::kLabelJobName, "=", job)});
  std::map<std::string, json> newest;  // rank index -> pod
  if (!pods.ok()) return {};
  for (json& pod : pods->items) {
    const json& meta = pod["metadata"];
    if (meta.contains("deletionTimestamp") ||
        pod.value("status", json::object()).value("phase", "") != "Running") {
      continue;
    }
    const std::string rank = meta.value("annotations", json::object()).value("hccl/rankIndex", "");
    auto it = newest.find(rank);
    if (it == newest.end() || it->second["metadata"].value("creationTimestamp", "") <
                                  meta.value("creationTimestamp", "")) {
      newest[rank] = std::move(pod);
    }
  }
  std::vector<json> serving;
  for (auto& [rank, pod] : newest) serving.push_back(std::move(pod));
  return serving;
}

std::vector<int> PodDies(const json& pod) {
  std::vector<int> dies;
  const std::string list = pod["metadata"].value("annotations", json::object())
                               .value("huawei.com/Ascend910", "");
  for (absl::string_view device : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    int die = 0;
    const size_t dash = device.rfind('-');
    if (dash != absl::string_view::npos && absl::SimpleAtoi(device.substr(dash + 1), &die)) {
      dies.push_back(die);
    }
  }
  return dies;
}

std::vector<int> RankPids(const std::string& data_dir, const std::string& ns,
                          const std::string& pod) {
  // nodesim's pod directories are <namespace>_<pod>_<uid>.
  const std::string pod_dir = absl::StrCat(data_dir, "/nodesim/pods/", ns, "_", pod, "_");
  std::vector<int> pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::error_code error;
    const fs::path cwd = fs::read_symlink(entry.path() / "cwd", error);
    if (error || cwd.string().rfind(pod_dir, 0) != 0) continue;
    const std::vector<std::string> argv =
        absl::StrSplit(ReadWholeFile((entry.path() / "cmdline").string()), '\0');
    if (argv.size() >= 2 && argv[1] == "rank") pids.push_back(pid);
  }
  return pids;
}

std::optional<std::string> FinalLossOfRankZero(const std::string& data_dir, const std::string& ns,
                                               const std::string& job) {
  static const std::regex kExit(
      R"(msg="rank exited" pod=\S+ rank=0 exit_code=0 signal=0 step=\d+ loss=(\S+))");
  std::optional<std::string> loss;
  const fs::path pods = data_dir + "/nodesim/pods";
  if (!fs::is_directory(pods)) return loss;
  for (const auto& pod : fs::directory_iterator(pods)) {
    if (pod.path().filename().string().rfind(absl::StrCat(ns, "_", job, "-0-g"), 0) != 0) continue;
    const fs::path logs = pod.path() / "logs" / "worker";
    if (!fs::is_directory(logs)) continue;
    for (const auto& log : fs::directory_iterator(logs)) {
      for (absl::string_view line : absl::StrSplit(ReadWholeFile(log.path()), '\n')) {
        std::smatch match;
        const std::string text(line);
        if (std::regex_search(text, match, kExit)) loss = match[1].str();
      }
    }
  }
  return loss;
}

absl::Status SameCheckpointShards(const std::string& root_a, const std::string& root_b,
                                  int64_t step) {
  const std::string dir = absl::StrFormat("step-%012d", step);
  const fs::path a = fs::path(root_a) / dir, b = fs::path(root_b) / dir;
  if (!fs::is_directory(a)) return absl::FailedPreconditionError(a.string() + ": missing");
  int shards = 0;
  for (const auto& entry : fs::directory_iterator(a)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("shard-", 0) != 0) continue;
    ++shards;
    if (!fs::exists(b / name)) return absl::FailedPreconditionError((b / name).string() + ": missing");
    if (ReadWholeFile(entry.path().string()) != ReadWholeFile((b / name).string())) {
      return absl::FailedPreconditionError(absl::StrCat(name, " of step ", step, " differs"));
    }
  }
  if (shards == 0) return absl::FailedPreconditionError(a.string() + ": no shard files");
  return absl::OkStatus();
}

}  // namespace flyover::drill
