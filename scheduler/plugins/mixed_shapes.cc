#include "scheduler/plugins/mixed_shapes.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/topology.h"

namespace flyover::sched::plugins {
namespace {

struct MixedGroup {
  int super_pod_id = -1;
  std::vector<size_t> nodes;  // fill order
  int allowance = 0;          // wholly free nodes the gang may turn into used ones
  int64_t placeable_dies = 0;
};

std::vector<MixedGroup> Groups(const PlacementContext& context, int spare, bool spares_first) {
  const GangRequest& gang = context.gang();
  std::vector<MixedGroup> groups;
  std::vector<std::vector<size_t>> partial, whole;
  absl::flat_hash_map<int, size_t> by_super_pod;
  for (size_t i = 0; i < context.node_count(); ++i) {
    const NodeInfo& node = context.node(i);
    if (gang.replacement.has_value() && gang.replacement->super_pod_id >= 0 &&
        node.super_pod_id != gang.replacement->super_pod_id) {
      continue;
    }
    size_t slot = groups.size();
    if (node.super_pod_id >= 0) slot = by_super_pod.try_emplace(node.super_pod_id, slot).first->second;
    if (slot == groups.size()) {
      groups.emplace_back();
      partial.emplace_back();
      whole.emplace_back();
      groups.back().super_pod_id = node.super_pod_id;
    }
    if (!node.ready || node.unschedulable) continue;
    (node.WhollyFree() ? whole : partial)[slot].push_back(i);
    if (!node.WhollyFree()) groups[slot].placeable_dies += node.free().Count();
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    std::stable_sort(partial[g].begin(), partial[g].end(), [&](size_t a, size_t b) {
      return context.node(a).free().Count() < context.node(b).free().Count();
    });
    const int whole_count = static_cast<int>(whole[g].size());
    groups[g].allowance = spares_first ? whole_count : std::max(0, whole_count - spare);
    groups[g].placeable_dies += int64_t{groups[g].allowance} * topology::kDiesPerNode;
    const auto& first = spares_first ? whole[g] : partial[g];
    const auto& second = spares_first ? partial[g] : whole[g];
    groups[g].nodes.insert(groups[g].nodes.end(), first.begin(), first.end());
    groups[g].nodes.insert(groups[g].nodes.end(), second.begin(), second.end());
  }
  return groups;
}

// First fit of one pod over `groups` (in order), honouring each group's allowance.
bool PlaceOne(PlacementContext& context, std::vector<MixedGroup*>& groups, std::vector<int>& taken,
              const PodRequest& pod, PodPlacement& out) {
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t index : groups[g]->nodes) {
      const bool whole = context.node(index).WhollyFree();
      if (whole && taken[g] >= groups[g]->allowance) continue;
      if (!context.Filter(pod, index).fits) continue;
      std::optional<DieSet> dies = topology::ChooseDies(context.node(index).free(), pod.dies);
      if (!dies.has_value()) continue;
      taken[g] += whole ? 1 : 0;
      const NodeInfo& node = context.node(index);
      out = PodPlacement{pod.name, pod.rank_index, node.name, *dies, node.super_pod_id, 0};
      context.Assume(pod, index, *dies);
      return true;
    }
  }
  return false;
}

bool PlaceAll(PlacementContext& context, std::vector<MixedGroup*> groups,
              const std::vector<size_t>& by_size, GangPlacement& placement) {
  context.Reset();
  std::vector<int> taken(groups.size(), 0);
  for (size_t pod_index : by_size) {
    if (!PlaceOne(context, groups, taken, context.gang().pods[pod_index],
                  placement.pods[pod_index])) {
      return false;
    }
  }
  return true;
}

int LowerBound(const std::vector<MixedGroup>& groups, int64_t dies) {
  int64_t sum = 0;
  for (size_t k = 0; k < groups.size(); ++k) {  // groups sorted by placeable dies, descending
    sum += groups[k].placeable_dies;
    if (sum >= dies) return static_cast<int>(k + 1);
  }
  return static_cast<int>(groups.size());
}

// The groups that might hold `dies` (placeable dies are an upper bound on what fits), fewest
// placeable dies first.
std::vector<MixedGroup*> TightestFirst(std::vector<MixedGroup>& groups, int64_t dies) {
  std::vector<MixedGroup*> fitting;
  for (MixedGroup& group : groups) {
    if (group.placeable_dies >= dies) fitting.push_back(&group);
  }
  std::stable_sort(fitting.begin(), fitting.end(), [](const MixedGroup* a, const MixedGroup* b) {
    return a->placeable_dies < b->placeable_dies;
  });
  return fitting;
}

}  // namespace

absl::StatusOr<GangPlacement> PlaceMixedShapes(PlacementContext& context,
                                               const std::vector<size_t>& order, int spare) {
  const GangRequest& gang = context.gang();
  std::vector<size_t> by_size = order;
  std::stable_sort(by_size.begin(), by_size.end(),
                   [&](size_t a, size_t b) { return gang.pods[a].dies > gang.pods[b].dies; });
  std::vector<MixedGroup> groups = Groups(context, spare, gang.replacement.has_value());
  std::stable_sort(groups.begin(), groups.end(), [](const MixedGroup& a, const MixedGroup& b) {
    return a.placeable_dies > b.placeable_dies;
  });
  int64_t dies = 0;
  for (const PodRequest& pod : gang.pods) dies += pod.dies;
  GangPlacement placement;
  placement.pods.resize(gang.pods.size());
  const bool one_super_pod =
      gang.affinity == SuperPodAffinity::kRequired || gang.replacement.has_value();
  placement.lower_bound_super_pods = one_super_pod ? 1 : LowerBound(groups, dies);
  if (one_super_pod) {
    // Best fit: the tightest super-pod whose placeable dies cover the gang goes first, so
    // the roomiest ones stay whole for the next big gang.
    for (MixedGroup* group : TightestFirst(groups, dies)) {
      if (PlaceAll(context, {group}, by_size, placement)) return placement;
    }
  } else {
    std::vector<MixedGroup*> all;
    for (MixedGroup& group : groups) all.push_back(&group);
    if (PlaceAll(context, all, by_size, placement)) return placement;
  }
  context.Reset();
  return UnschedulableError(absl::StrCat(
      "gang ", gang.Key(), " needs ", dies, " NPUs in pods of different sizes (largest ",
      gang.pods[by_size.front()].dies, ") ",
      one_super_pod ? "in one super-pod" : "in the cluster",
      "; first fit found no room for all of them",
      spare > 0 ? absl::StrCat(" (", spare, " spare nodes per super-pod kept free)") : ""));
}

}  // namespace flyover::sched::plugins
