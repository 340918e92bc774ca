#include "scheduler/plugins/super_pod.h"

#include <algorithm>
#include <numeric>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/topology.h"
#include "scheduler/framework/framework.h"
#include "scheduler/plugins/block_packing.h"
#include "scheduler/plugins/mixed_shapes.h"
#include "scheduler/plugins/super_pod_capacity.h"

namespace flyover::sched::plugins {
namespace {

// Indices into gang.pods, by rank.
std::vector<size_t> RankOrder(const GangRequest& gang) {
  std::vector<size_t> order(gang.pods.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return gang.pods[a].rank_index < gang.pods[b].rank_index;
  });
  return order;
}

bool SameShape(const GangRequest& gang) {
  return std::all_of(gang.pods.begin(), gang.pods.end(), [&](const PodRequest& pod) {
    return pod.SameRequirements(gang.pods.front());
  });
}

// A replacement pinned to its block's super-pod may take its spares; one with no super-pod
// (no peer placed) is kept off them like a new gang.
bool PinnedReplacement(const GangRequest& gang) {
  return gang.replacement.has_value() && gang.replacement->super_pod_id >= 0;
}

int SpareNodes(const PlacementContext& context) {
  if (PinnedReplacement(context.gang())) return 0;
  return std::max(context.options().spare_nodes_per_super_pod,
                  context.gang().spare_nodes_per_super_pod);
}

std::optional<int> OnlySuperPod(const GangRequest& gang) {
  if (!PinnedReplacement(gang)) return std::nullopt;
  return gang.replacement->super_pod_id;
}

// Tries to put `pod` on candidates[*cursor...], advancing past nodes that no longer fit.
bool PlaceOn(PlacementContext& context, const std::vector<size_t>& candidates, size_t* cursor,
             const PodRequest& pod, PodPlacement* out) {
  for (; *cursor < candidates.size(); ++*cursor) {
    const size_t index = candidates[*cursor];
    if (!context.Filter(pod, index).fits) continue;
    const NodeInfo& node = context.node(index);
    std::optional<DieSet> dies = pod.dies > 0 ? topology::ChooseDies(node.free(), pod.dies)
                                              : std::optional<DieSet>(DieSet());
    if (!dies.has_value()) continue;
    out->node = node.name;
    out->dies = *dies;
    out->super_pod_id = node.super_pod_id;
    context.Assume(pod, index, *dies);
    return true;
  }
  return false;
}

std::string Plural(int64_t count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

// "64 nodes" for whole-node pods, "32 pods of 8 NPUs" otherwise.
std::string Need(const PodRequest& pod, int64_t count) {
  if (pod.dies == topology::kDiesPerNode) return Plural(count, "node");
  return absl::StrCat(Plural(count, "pod"), " of ", pod.dies, " NPUs");
}

// "has 40 free nodes" / "has room for 20".
std::string Has(const PodRequest& pod, int64_t count) {
  if (pod.dies == topology::kDiesPerNode) return absl::StrCat("has ", Plural(count, "free node"));
  return absl::StrCat("has room for ", count);
}

// The largest block's room: "is 40 nodes" / "has room for 20".
std::string Room(const PodRequest& pod, int64_t count) {
  if (pod.dies == topology::kDiesPerNode) return absl::StrCat("is ", Plural(count, "node"));
  return absl::StrCat("has room for ", count);
}

absl::Status Explain(const PlacementContext& context, const PodRequest& pod,
                     const std::vector<GroupCapacity>& groups, int64_t block_pods,
                     int64_t blocks, int spare, int filtered_out) {
  const GangRequest& gang = context.gang();
  int64_t largest = 0;
  int64_t total = 0;
  int hosts = 0;
  for (const GroupCapacity& g : groups) {
    largest = std::max(largest, g.capacity);
    total += g.capacity;
    if (g.capacity >= block_pods) ++hosts;
  }
  std::string message = absl::StrCat("gang ", gang.Key(), " ");
  if (PinnedReplacement(gang)) {
    absl::StrAppend(&message, "(replacement) needs ", Need(pod, block_pods * blocks),
                    " in super-pod ", gang.replacement->super_pod_id, "; it ", Has(pod, total));
  } else if (gang.replacement.has_value()) {
    absl::StrAppend(&message, "(replacement) needs ", Need(pod, block_pods * blocks),
                    "; the cluster ", Has(pod, total));
  } else if (gang.affinity == SuperPodAffinity::kRequired) {
    absl::StrAppend(&message, "needs ", Need(pod, block_pods), " in one super-pod");
    if (blocks > 1) absl::StrAppend(&message, " for each of ", blocks, " logical super-pods");
    absl::StrAppend(&message, "; the largest free block ", Room(pod, largest));
    if (blocks > 1) absl::StrAppend(&message, " and ", hosts, " super-pods can hold a block");
  } else {
    absl::StrAppend(&message, "needs ", Need(pod, block_pods * blocks),
                    "; the cluster ", Has(pod, total));
  }
  if (spare > 0) absl::StrAppend(&message, " (", spare, " spare nodes per super-pod kept free)");
  if (filtered_out == static_cast<int>(context.node_count()) && filtered_out > 0) {
    absl::StrAppend(&message, "; no node passes the filters: ", context.FilterSummary(pod));
  }
  return UnschedulableError(message);
}

absl::StatusOr<GangPlacement> PlaceUniform(PlacementContext& context,
                                           const std::vector<size_t>& order) {
  const GangRequest& gang = context.gang();
  const PodRequest& shape = gang.pods[order.front()];
  const int64_t pods = static_cast<int64_t>(order.size());
  // A replacement's pods are part of one block, placed in one super-pod.
  const int64_t block_pods = gang.super_pod_block_dies > 0 && !gang.replacement.has_value()
                                 ? gang.super_pod_block_dies / shape.dies
                                 : pods;
  const int64_t blocks = pods / block_pods;
  const int spare = SpareNodes(context);
  int filtered_out = 0;
  std::vector<GroupCapacity> groups =
      BuildGroupCapacities(context, shape, spare, PinnedReplacement(gang), OnlySuperPod(gang),
                           &filtered_out);
  std::vector<int64_t> capacity;
  for (const GroupCapacity& g : groups) capacity.push_back(g.capacity);
  const SuperPodAffinity affinity =
      gang.replacement.has_value() ? SuperPodAffinity::kPreferred : gang.affinity;
  std::optional<Packing> packing = PackBlocks(capacity, block_pods, blocks, affinity);
  if (!packing.has_value()) {
    return Explain(context, shape, groups, block_pods, blocks, spare, filtered_out);
  }

  GangPlacement placement;
  placement.pods.resize(gang.pods.size());
  placement.lower_bound_super_pods = packing->lower_bound;
  std::vector<size_t> cursors(groups.size(), 0);
  int64_t next = 0;
  for (const Segment& segment : packing->segments) {
    const GroupCapacity& group = groups[static_cast<size_t>(segment.group)];
    for (int64_t k = next; k < next + segment.pods; ++k) {
      const size_t pod_index = order[static_cast<size_t>(k)];
      PodPlacement& out = placement.pods[pod_index];
      if (!PlaceOn(context, group.candidates, &cursors[static_cast<size_t>(segment.group)],
                   gang.pods[pod_index], &out)) {
        return absl::InternalError(absl::StrCat("gang ", gang.Key(), ": super-pod ",
                                                group.super_pod_id, " ran out of room at rank ",
                                                gang.pods[pod_index].rank_index));
      }
      out.pod_name = gang.pods[pod_index].name;
      out.rank_index = gang.pods[pod_index].rank_index;
      out.logical_super_pod_index = gang.replacement.has_value()
                                        ? gang.replacement->logical_super_pod_index
                                        : static_cast<int>(k / block_pods);
    }
    next += segment.pods;
  }
  return placement;
}

}  // namespace

absl::StatusOr<GangPlacement> SuperPod::Place(PlacementContext& context) const {
  const std::vector<size_t> order = RankOrder(context.gang());
  if (SameShape(context.gang())) return PlaceUniform(context, order);
  return PlaceMixedShapes(context, order, SpareNodes(context));
}

}  // namespace flyover::sched::plugins
