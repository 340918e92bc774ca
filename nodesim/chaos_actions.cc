#include "nodesim/chaos_actions.h"

#include <csignal>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/log.h"
#include "common/status.h"

namespace flyover::nodesim {
namespace {

const log::Logger& ChaosLogger() {
  static const log::Logger* logger = new log::Logger("nodesim.chaos");
  return *logger;
}

}  // namespace

std::string FormatMillis(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

nlohmann::json ChaosRecord::ToJson() const {
  return {{"time", FormatMillis(time)}, {"action", action}, {"target", target},
          {"detail", detail}};
}

std::string ChaosRecord::LogLine() const {
  return absl::StrFormat("%s action=%s target=%s detail=%s\n", FormatMillis(time), action,
                         target, nlohmann::json(detail).dump());
}

ChaosActions::ChaosActions(ChaosState* state, ChaosTarget* target,
                           const std::vector<SimNodeSpec>& nodes, ChaosActionsOptions options)
    : state_(state), target_(target), options_(std::move(options)) {
  for (const SimNodeSpec& node : nodes) nodes_.insert(node.name);
}

absl::Status ChaosActions::CheckNode(const std::string& node) const {
  if (nodes_.contains(node)) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat("node: ", node, " is not simulated by this nodesim"));
}

absl::StatusOr<ChaosRecord> ChaosActions::Record(std::string action, std::string target,
                                                 std::string detail) {
  ChaosRecord record{options_.clock->Now(), std::move(action), std::move(target),
                     std::move(detail)};
  if (!options_.log_path.empty()) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(options_.log_path).parent_path(),
                                        ignored);
    std::ofstream out(options_.log_path, std::ios::app);
    out << record.LogLine();
    out.flush();
    if (!out) {
      ChaosLogger().Warn("chaos log not written", {{"path", options_.log_path}});
    }
  }
  ChaosLogger().Info("fault injected", {{"action", record.action}, {"target", record.target},
                                   {"detail", record.detail}});
  return record;
}

absl::StatusOr<ChaosRecord> ChaosActions::KillPod(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (key.find('/') == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("pod: want NAMESPACE/NAME, got \"", key, "\""));
  }
  if (target_ == nullptr) {
    return absl::FailedPreconditionError("pod: this nodesim runs no process pods");
  }
  absl::StatusOr<int> killed = target_->SignalPod(key, SIGKILL);
  if (!killed.ok()) return Annotate(killed.status(), "pod");
  return Record("kill-pod", key, absl::StrCat("SIGKILL sent to ", *killed, " process(es)"));
}

absl::StatusOr<ChaosRecord> ChaosActions::StopNode(const std::string& node) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckNode(node));
  state_->SetFault(node, NodeFault::kStopped);
  int frozen = target_ == nullptr ? 0 : target_->SignalNodePods(node, SIGSTOP);
  return Record("stop-node", node,
                absl::StrCat("no lease renewals or status writes; ", frozen,
                             " process(es) frozen with SIGSTOP"));
}

absl::StatusOr<ChaosRecord> ChaosActions::PartitionNode(const std::string& node) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckNode(node));
  if (state_->Fault(node) == NodeFault::kStopped && target_ != nullptr) {
    target_->SignalNodePods(node, SIGCONT);
  }
  state_->SetFault(node, NodeFault::kPartitioned);
  return Record("partition-node", node,
                "no lease renewals or status writes; processes keep running");
}

absl::StatusOr<ChaosRecord> ChaosActions::SlowNode(const std::string& node, double factor) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckNode(node));
  RETURN_IF_ERROR(state_->SetSlowFactor(node, factor));
  std::string path = state_->SlowFactorPath(node);
  return Record("slow-node", node,
                absl::StrCat("slow factor ", factor, path.empty() ? "" : " written to ", path));
}

absl::StatusOr<ChaosRecord> ChaosActions::ResumeNode(const std::string& node) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckNode(node));
  NodeFault was = state_->Fault(node);
  double slow = state_->SlowFactor(node);
  RETURN_IF_ERROR(state_->SetSlowFactor(node, 1));
  state_->SetFault(node, NodeFault::kNone);
  if (target_ != nullptr) {
    if (was == NodeFault::kStopped) target_->SignalNodePods(node, SIGCONT);
    target_->ReportNodePods(node);
  }
  return Record("resume-node", node,
                absl::StrCat("was ", NodeFaultName(was), ", slow factor ", slow));
}

}  // namespace flyover::nodesim
