#include "bench/e2e/drill_cluster.h"

#include <filesystem>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/client/resource.h"

namespace flyover::drill {
namespace fs = std::filesystem;
using nlohmann::json;

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
  for (const int pid : local_cluster::PidsUnder(pod_dir)) {
    const std::vector<std::string> argv =
        absl::StrSplit(ReadWholeFile(absl::StrCat("/proc/", pid, "/cmdline")), '\0');
    if (argv.size() >= 2 && argv[1] == "rank") pids.push_back(pid);
  }
  return pids;
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
