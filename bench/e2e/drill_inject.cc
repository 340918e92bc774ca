#include "bench/e2e/drill_inject.h"

#include <signal.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "kube/client/resource.h"

namespace flyover::drill {

using nlohmann::json;

absl::StatusOr<std::string> FaultInjector::Chaos(const std::string& args) {
  const CommandRun run =
      cluster_.Flyover(absl::StrCat("chaos --data-dir ", cluster_.data_dir(), " ", args));
  if (run.code != 0) {
    return absl::InternalError(absl::StrCat("flyover chaos ", args, ": exit ", run.code, ": ",
                                            absl::StripAsciiWhitespace(run.err)));
  }
  return std::string(absl::StripAsciiWhitespace(run.out));
}

absl::StatusOr<std::string> FaultInjector::Inject(FaultKind kind, const std::string& ns,
                                                  const std::string& job) {
  std::vector<json> pods = ServingPods(client_, ns, job);
  if (pods.empty()) return absl::UnavailableError("no serving pod of " + job);
  const json& pod = pods[std::uniform_int_distribution<size_t>(0, pods.size() - 1)(random_)];
  const std::string name = pod["metadata"].value("name", "");
  const std::string node = pod.value("spec", json::object()).value("nodeName", "");
  switch (kind) {
    case FaultKind::kRankKill: {
      const std::vector<int> pids = RankPids(cluster_.data_dir(), ns, name);
      if (pids.empty()) return absl::UnavailableError("no rank process of pod " + name);
      const int pid = pids[std::uniform_int_distribution<size_t>(0, pids.size() - 1)(random_)];
      if (::kill(pid, SIGKILL) != 0) return absl::InternalError(absl::StrCat("kill ", pid));
      return absl::StrCat("pod ", name, " rank pid ", pid);
    }
    case FaultKind::kPodDelete: {
      absl::Status deleted = client_.Delete(kube::PodsResource(), ns, name);
      if (!deleted.ok()) return deleted;
      return absl::StrCat("pod ", name);
    }
    case FaultKind::kNodeStop: {
      absl::StatusOr<std::string> done = Chaos("stop-node " + node);
      if (!done.ok()) return done.status();
      undo_.push_back("resume-node " + node);
      return absl::StrCat("node ", node, " (pod ", name, ")");
    }
    case FaultKind::kDeviceEcc: {
      const std::vector<int> dies = PodDies(pod);
      if (dies.empty()) return absl::UnavailableError("pod " + name + " holds no annotated die");
      const int die = dies[std::uniform_int_distribution<size_t>(0, dies.size() - 1)(random_)];
      absl::StatusOr<std::string> done = Chaos(
          absl::StrCat("npu-fault ", node, " --die ", die, " --kind hbm_ecc_double_bit"));
      if (!done.ok()) return done.status();
      undo_.push_back(absl::StrCat("npu-recover ", node, " --die ", die, " --clear-isolation"));
      return absl::StrCat("node ", node, " die ", die, " (pod ", name, ")");
    }
  }
  return absl::InvalidArgumentError("unknown fault kind");
}

std::vector<std::string> FaultInjector::Undo() {
  std::vector<std::string> errors;
  for (const std::string& args : undo_) {
    if (absl::StatusOr<std::string> done = Chaos(args); !done.ok()) {
      errors.push_back(std::string(done.status().message()));
    }
  }
  undo_.clear();
  return errors;
}

}  // namespace flyover::drill
