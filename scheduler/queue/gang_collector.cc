#include "scheduler/queue/gang_collector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/cache/object.h"

namespace flyover::sched {

std::string GangUnitKey(const PodInfo& pod) {
  if (pod.gang.replacement) return absl::StrCat(pod.key, "#replacement");
  if (pod.gang.name.empty()) return absl::StrCat(pod.key, "#pod");
  return kube::JoinKey(pod.namespace_, pod.gang.name);
}

GangCollector::GangCollector(std::string scheduler_name)
    : scheduler_name_(std::move(scheduler_name)) {}

void GangCollector::Erase(const std::string& pod_key) {
  auto it = unit_of_pod_.find(pod_key);
  if (it == unit_of_pod_.end()) return;
  auto unit = units_.find(it->second);
  if (unit != units_.end()) {
    unit->second.erase(pod_key);
    if (unit->second.empty()) units_.erase(unit);
  }
  unit_of_pod_.erase(it);
}

std::optional<std::string> GangCollector::OnPod(const PodInfo& pod) {
  absl::MutexLock lock(&mu_);
  std::optional<std::string> previous;
  if (auto it = unit_of_pod_.find(pod.key); it != unit_of_pod_.end()) previous = it->second;
  if (!pod.IsPendingFor(scheduler_name_)) {
    Erase(pod.key);
    return previous;
  }
  std::string key = GangUnitKey(pod);
  if (previous.has_value() && *previous != key) Erase(pod.key);
  units_[key].insert_or_assign(pod.key, pod);
  unit_of_pod_[pod.key] = key;
  return key;
}

std::optional<std::string> GangCollector::OnPodDeleted(const std::string& pod_key) {
  absl::MutexLock lock(&mu_);
  auto it = unit_of_pod_.find(pod_key);
  if (it == unit_of_pod_.end()) return std::nullopt;
  std::string key = it->second;
  Erase(pod_key);
  return key;
}

std::optional<PendingGang> GangCollector::Get(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto unit = units_.find(key);
  if (unit == units_.end() || unit->second.empty()) return std::nullopt;
  PendingGang gang{.key = key, .priority = unit->second.begin()->second.priority};
  for (const auto& [pod_key, pod] : unit->second) {
    gang.namespace_ = pod.namespace_;
    gang.gang = pod.gang.name;
    if (gang.job.empty()) gang.job = pod.gang.job;
    gang.replacement = pod.gang.replacement;
    gang.min_member = pod.gang.replacement ? 1 : std::max(gang.min_member, pod.gang.min_member);
    gang.created = std::min(gang.created, pod.created);
    gang.priority = std::max(gang.priority, pod.priority);
    gang.pods.push_back(pod);
  }
  std::stable_sort(gang.pods.begin(), gang.pods.end(), [](const PodInfo& a, const PodInfo& b) {
    return a.rank_index.value_or(INT32_MAX) < b.rank_index.value_or(INT32_MAX);
  });
  return gang;
}

std::optional<GangSummary> GangCollector::Summary(const std::string& key) const {
  absl::MutexLock lock(&mu_);
  auto unit = units_.find(key);
  if (unit == units_.end() || unit->second.empty()) return std::nullopt;
  GangSummary summary{.pods = static_cast<int>(unit->second.size()),
                      .priority = unit->second.begin()->second.priority};
  for (const auto& [pod_key, pod] : unit->second) {
    summary.replacement = pod.gang.replacement;
    summary.in_gang = !pod.gang.name.empty();
    summary.min_member =
        pod.gang.replacement ? 1 : std::max(summary.min_member, pod.gang.min_member);
    summary.created = std::min(summary.created, pod.created);
    summary.priority = std::max(summary.priority, pod.priority);
  }
  return summary;
}

std::vector<std::string> GangCollector::Keys() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> keys;
  keys.reserve(units_.size());
  for (const auto& [key, unused] : units_) keys.push_back(key);
  return keys;
}

}  // namespace flyover::sched
