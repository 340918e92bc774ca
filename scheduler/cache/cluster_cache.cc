#include "scheduler/cache/cluster_cache.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "kube/cache/object.h"

namespace flyover::sched {
namespace {

const log::Logger& Logger() {
  static const log::Logger* logger = new log::Logger("scheduler.cache");
  return *logger;
}

}  // namespace

ClusterCache::ClusterCache(ClusterCacheOptions options) : options_(std::move(options)) {}

void ClusterCache::ApplyHealth(NodeInfo* node) const {
  auto bad = unhealthy_.find(node->name);
  const topology::DieSet advertised = advertised_.at(node->name);
  node->healthy = bad == unhealthy_.end() ? advertised : advertised - bad->second;
}

void ClusterCache::UpsertNode(NodeInfo node) {
  absl::MutexLock lock(&mu_);
  const std::string name = node.name;
  const bool is_new = snapshot_.FindNode(name) == nullptr;
  advertised_[name] = node.healthy;
  ApplyHealth(&node);
  if (absl::Status status = snapshot_.UpsertNode(std::move(node)); !status.ok()) {
    Logger().Warn("node ignored", {{"node", name}, {"error", status}});
    return;
  }
  ++generation_;
  if (!is_new) return;
  for (const auto& [key, pod] : bound_) {
    if (pod.node == name) PlaceBound(pod);
  }
}

void ClusterCache::DeleteNode(const std::string& name) {
  absl::MutexLock lock(&mu_);
  advertised_.erase(name);
  if (snapshot_.RemoveNode(name).ok()) ++generation_;
  // Assumptions on the node are gone with it; bound pods stay in bound_ for its return.
  std::vector<std::string> lost;
  for (const auto& [key, unused] : assumed_) {
    auto [ns, pod_name] = kube::SplitKey(key);
    if (snapshot_.FindPod(ns, pod_name) == nullptr) lost.push_back(key);
  }
  for (const std::string& key : lost) assumed_.erase(key);
}

void ClusterCache::SetUnhealthyDies(const std::string& node, topology::DieSet dies) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = unhealthy_.try_emplace(node, dies);
  if (!inserted && it->second == dies) return;
  it->second = dies;
  const NodeInfo* current = snapshot_.FindNode(node);
  if (current == nullptr) return;
  NodeInfo updated = *current;
  ApplyHealth(&updated);
  if (snapshot_.UpsertNode(std::move(updated)).ok()) ++generation_;
}

void ClusterCache::PlaceBound(const PlacedPod& pod) {
  absl::Status status = snapshot_.Assume(pod);
  if (!status.ok() && !absl::IsNotFound(status)) {
    Logger().Warn("bound pod conflicts with the cache", {{"pod", pod.Key()}, {"error", status}});
  }
}

void ClusterCache::UpsertPod(const PodInfo& pod) {
  absl::MutexLock lock(&mu_);
  if (!pod.HoldsResources()) {
    // Unbound and assumed: the binding is not visible yet, keep the booking.
    if (pod.node_name.empty() && assumed_.count(pod.key) != 0) return;
    if (bound_.count(pod.key) != 0 || assumed_.count(pod.key) != 0) {
      Remove(pod.key);
      ++generation_;
    }
    return;
  }
  auto known = bound_.find(pod.key);
  if (known != bound_.end() && known->second.node == pod.node_name &&
      (!pod.devices.has_value() || *pod.devices == known->second.dies)) {
    return;  // an already-known bound pod; nothing that matters changed
  }
  const PlacedPod* current = snapshot_.FindPod(pod.namespace_, pod.name);
  topology::DieSet dies;
  if (pod.devices.has_value()) {
    dies = *pod.devices;
  } else if (current != nullptr && current->node == pod.node_name) {
    dies = current->dies;  // our own assumption, bound without the annotation
  } else if (pod.npus > 0) {
    const NodeInfo* node = snapshot_.FindNode(pod.node_name);
    dies = node == nullptr
               ? topology::DieSet()
               : topology::ChooseDies(node->free(), pod.npus).value_or(topology::DieSet());
  }
  const bool confirms = current != nullptr && current->assumed && current->node == pod.node_name &&
                        current->dies == dies;
  assumed_.erase(pod.key);
  PlacedPod placed = pod.ToPlacedPod(pod.node_name, dies, /*assumed=*/false);
  bound_.insert_or_assign(pod.key, placed);
  PlaceBound(placed);
  if (!confirms) ++generation_;
}

void ClusterCache::DeletePod(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (bound_.count(key) == 0 && assumed_.count(key) == 0) return;
  Remove(key);
  ++generation_;
}

void ClusterCache::Remove(const std::string& key) {
  bound_.erase(key);
  assumed_.erase(key);
  auto [ns, name] = kube::SplitKey(key);
  (void)snapshot_.Forget(ns, name);  // NotFound when its node is absent: nothing held
}

absl::Status ClusterCache::AssumePod(PlacedPod pod) {
  absl::MutexLock lock(&mu_);
  const std::string key = pod.Key();
  if (bound_.count(key) != 0 || assumed_.count(key) != 0) {
    return absl::AlreadyExistsError(absl::StrCat("pod ", key, ": already placed"));
  }
  pod.assumed = true;
  if (absl::Status status = snapshot_.Assume(pod); !status.ok()) return status;
  assumed_[key] = Assumption{};
  return absl::OkStatus();
}

void ClusterCache::FinishBinding(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = assumed_.find(key);
  if (it == assumed_.end()) return;
  it->second.binding_finished = true;
  it->second.deadline = options_.clock->Now() + options_.assume_ttl;
}

void ClusterCache::ForgetPod(const std::string& key) {
  absl::MutexLock lock(&mu_);
  if (assumed_.count(key) == 0) return;
  Remove(key);
  ++generation_;
}

int ClusterCache::CleanupExpired() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = options_.clock->Now();
  std::vector<std::string> expired;
  for (const auto& [key, assumption] : assumed_) {
    if (assumption.binding_finished && assumption.deadline <= now) expired.push_back(key);
  }
  for (const std::string& key : expired) {
    Logger().Warn("assumed pod expired: its binding was never observed", {{"pod", key}});
    Remove(key);
  }
  if (!expired.empty()) ++generation_;
  return static_cast<int>(expired.size());
}

bool ClusterCache::IsAssumed(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return assumed_.count(key) != 0;
}

bool ClusterCache::IsPlaced(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  return bound_.count(key) != 0 || assumed_.count(key) != 0;
}

ClusterSnapshot ClusterCache::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return snapshot_;
}

int ClusterCache::PlacedInGang(const std::string& gang_key) const {
  absl::MutexLock lock(&mu_);
  int placed = 0;
  snapshot_.ForEachPod([&](const PlacedPod& pod) { placed += pod.gang == gang_key; });
  return placed;
}

uint64_t ClusterCache::generation() const {
  absl::MutexLock lock(&mu_);
  return generation_;
}

}  // namespace flyover::sched
