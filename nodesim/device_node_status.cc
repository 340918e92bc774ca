#include "nodesim/device_node_status.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "kube/client/resource.h"

namespace flyover::nodesim {

nlohmann::json DeviceStatusPatch(const ResourceCountMap& counts) {
  nlohmann::json capacity = nlohmann::json::object();
  nlohmann::json allocatable = nlohmann::json::object();
  for (const auto& [resource, count] : counts) {
    capacity[resource] = absl::StrCat(count.capacity);
    allocatable[resource] = absl::StrCat(count.allocatable);
  }
  return {{"status", {{"capacity", capacity}, {"allocatable", allocatable}}}};
}

DeviceNodeStatus::DeviceNodeStatus(kube::RestClient* client, DeviceNodeStatusOptions options)
    : client_(client), options_(options) {}

DeviceNodeStatus::~DeviceNodeStatus() { Stop(); }

void DeviceNodeStatus::Start() {
  absl::MutexLock lock(&mu_);
  if (worker_.joinable() || stopping_) return;
  worker_ = std::thread([this] { Run(); });
}

void DeviceNodeStatus::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (worker_.joinable()) worker_.join();
}

void DeviceNodeStatus::Update(const std::string& node, const ResourceCountMap& counts) {
  absl::MutexLock lock(&mu_);
  latest_[node] = counts;
  pending_[node] = counts;
}

std::optional<ResourceCountMap> DeviceNodeStatus::Latest(const std::string& node) const {
  absl::MutexLock lock(&mu_);
  auto it = latest_.find(node);
  if (it == latest_.end()) return std::nullopt;
  return it->second;
}

bool DeviceNodeStatus::WaitForWritten(const std::string& node, const ResourceCountMap& counts,
                                      absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto written = [this, &node, &counts]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    auto it = written_.find(node);
    return it != written_.end() && it->second == counts;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&written), timeout);
}

int64_t DeviceNodeStatus::patches() const {
  absl::MutexLock lock(&mu_);
  return patches_;
}

int64_t DeviceNodeStatus::failures() const {
  absl::MutexLock lock(&mu_);
  return failures_;
}

void DeviceNodeStatus::Run() {
  while (true) {
    std::map<std::string, ResourceCountMap> batch;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !pending_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      batch.swap(pending_);
    }
    std::map<std::string, ResourceCountMap> retry;
    for (auto& [node, counts] : batch) {
      if (!Write(node, counts)) retry.emplace(node, std::move(counts));
    }
    absl::MutexLock lock(&mu_);
    // Newer counts that arrived meanwhile win over a failed write's.
    for (auto& [node, counts] : retry) pending_.try_emplace(node, std::move(counts));
    if (!retry.empty()) {
      // Sleep out the retry interval (new counts wait too) unless stopped.
      auto stopped = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopped), options_.retry_interval);
    }
  }
}

bool DeviceNodeStatus::Write(const std::string& node, const ResourceCountMap& counts) {
  if (options_.chaos != nullptr && options_.chaos->Silenced(node)) return false;
  absl::StatusOr<nlohmann::json> patched = client_->Patch(
      kube::NodesResource(), "", node, DeviceStatusPatch(counts), {.subresource = "status"});
  absl::MutexLock lock(&mu_);
  if (patched.ok()) {
    ++patches_;
    written_[node] = counts;
    return true;
  }
  if (absl::IsNotFound(patched.status())) return true;  // the heartbeater recreates it
  ++failures_;
  log::Warn("device status patch failed", {{"node", node}, {"error", patched.status()}});
  return false;
}

}  // namespace flyover::nodesim
