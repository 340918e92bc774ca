#include "nodesim/chaos_state.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace flyover::nodesim {

absl::string_view NodeFaultName(NodeFault fault) {
  switch (fault) {
    case NodeFault::kStopped: return "stopped";
    case NodeFault::kPartitioned: return "partitioned";
    case NodeFault::kNone: break;
  }
  return "none";
}

ChaosState::ChaosState(std::string slow_factor_dir)
    : slow_factor_dir_(std::move(slow_factor_dir)) {}

void ChaosState::Refresh() {
  int silenced = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& e = it->second;
    if (e.fault != NodeFault::kNone) ++silenced;
    if (e.fault == NodeFault::kNone && e.slow_factor == 1) {
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
  silenced_nodes_.store(silenced);
}

void ChaosState::SetFault(const std::string& node, NodeFault fault) {
  absl::MutexLock lock(&mu_);
  entries_[node].fault = fault;
  Refresh();
}

NodeFault ChaosState::Fault(absl::string_view node) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(node);
  return it == entries_.end() ? NodeFault::kNone : it->second.fault;
}

bool ChaosState::Silenced(absl::string_view node) const {
  if (silenced_nodes_.load(std::memory_order_relaxed) == 0) return false;
  return Fault(node) != NodeFault::kNone;
}

std::string ChaosState::SlowFactorPath(absl::string_view node) const {
  if (slow_factor_dir_.empty()) return "";
  return absl::StrCat(slow_factor_dir_, "/", node, ".slow-factor");
}

absl::Status ChaosState::SetSlowFactor(const std::string& node, double factor) {
  if (!std::isfinite(factor) || factor < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("factor: must be a number of at least 1, got ", factor));
  }
  if (!slow_factor_dir_.empty()) {
    std::error_code error;
    std::filesystem::create_directories(slow_factor_dir_, error);
    // Written to a temp file and renamed, so a worker never reads half a number.
    std::string path = SlowFactorPath(node);
    std::string temp = path + ".tmp";
    std::ofstream(temp, std::ios::trunc) << factor << "\n";
    std::filesystem::rename(temp, path, error);
    if (error) {
      return absl::InternalError(absl::StrCat("slow factor file ", path, ": ", error.message()));
    }
  }
  absl::MutexLock lock(&mu_);
  entries_[node].slow_factor = factor;
  Refresh();
  return absl::OkStatus();
}

double ChaosState::SlowFactor(absl::string_view node) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(node);
  return it == entries_.end() ? 1.0 : it->second.slow_factor;
}

nlohmann::json ChaosState::ToJson() const {
  absl::MutexLock lock(&mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [node, e] : entries_) {
    out[node] = {{"fault", std::string(NodeFaultName(e.fault))}, {"slowFactor", e.slow_factor}};
  }
  return out;
}

}  // namespace flyover::nodesim
