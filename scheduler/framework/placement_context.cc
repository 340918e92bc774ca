#include "scheduler/framework/placement_context.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "scheduler/framework/framework.h"

namespace flyover::sched {

PlacementContext::PlacementContext(const ClusterSnapshot& snapshot, const GangRequest& gang,
                                   const PluginSet& plugins, const SchedulerOptions& options,
                                   CycleState& state)
    : snapshot_(snapshot),
      gang_(gang),
      plugins_(plugins),
      options_(options),
      state_(state),
      overlay_(snapshot.node_count()) {}

FilterVerdict PlacementContext::Filter(const PodRequest& pod, size_t index) const {
  const NodeInfo& info = node(index);
  for (const FilterPlugin* filter : plugins_.filters()) {
    FilterVerdict verdict = filter->Filter(state_, gang_, pod, info);
    if (!verdict.fits) return verdict;
  }
  return FilterVerdict::Fit();
}

int64_t PlacementContext::Score(const PodRequest& pod, size_t index) const {
  const NodeInfo& info = node(index);
  int64_t total = 0;
  for (const PluginSet::WeightedScore& score : plugins_.scores()) {
    total += score.weight * score.plugin->Score(state_, gang_, pod, info);
  }
  return total;
}

void PlacementContext::Assume(const PodRequest& pod, size_t index, DieSet dies) {
  if (!overlay_[index]) {
    overlay_[index] = std::make_unique<NodeInfo>(snapshot_.node(index));
    touched_.push_back(index);
  }
  NodeInfo& info = *overlay_[index];
  info.used_dies = info.used_dies | dies;
  info.requested.cpu_millis += pod.cpu_millis;
  info.requested.memory_bytes += pod.memory_bytes;
  info.requested.dies += dies.Count();
  info.requested.pods += 1;
}

void PlacementContext::Reset() {
  for (size_t index : touched_) overlay_[index].reset();
  touched_.clear();
}

std::string PlacementContext::FilterSummary(const PodRequest& pod) const {
  absl::flat_hash_map<absl::string_view, int> counts;
  for (size_t i = 0; i < node_count(); ++i) {
    const FilterVerdict verdict = Filter(pod, i);
    if (!verdict.fits) ++counts[verdict.reason];
  }
  std::vector<std::pair<absl::string_view, int>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return absl::StrJoin(sorted, ", ", [](std::string* out, const auto& entry) {
    absl::StrAppend(out, entry.second, " ", entry.first);
  });
}

}  // namespace flyover::sched
