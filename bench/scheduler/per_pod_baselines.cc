#include "bench/scheduler/per_pod_baselines.h"

#include <algorithm>
#include <numeric>

#include "common/topology.h"
#include "scheduler/framework/placement_context.h"

namespace flyover::sched::bench {

std::optional<GangPlacement> PlacePerPod(const Scheduler& filters, const ClusterSnapshot& snapshot,
                                         const GangRequest& gang, PerPodPolicy policy,
                                         std::mt19937_64& rng) {
  CycleState state;
  PlacementContext context(snapshot, gang, filters.plugins(), filters.options(), state);
  std::vector<size_t> order(gang.pods.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return gang.pods[a].rank_index < gang.pods[b].rank_index;
  });
  GangPlacement placement;
  placement.pods.resize(gang.pods.size());
  for (size_t pod_index : order) {
    const PodRequest& pod = gang.pods[pod_index];
    int best_left = -1;
    size_t best = 0;
    uint64_t ties = 0;
    for (size_t i = 0; i < context.node_count(); ++i) {
      if (!context.Filter(pod, i).fits) continue;
      const int left = context.node(i).free().Count() - pod.dies;
      const int key = policy == PerPodPolicy::kSpread ? left : topology::kDiesPerNode - left;
      if (key > best_left) {
        best_left = key;
        best = i;
        ties = 1;
      } else if (key == best_left && rng() % ++ties == 0) {
        best = i;  // reservoir sampling: uniform among equal scores
      }
    }
    if (best_left < 0) return std::nullopt;
    const NodeInfo& node = context.node(best);
    const DieSet dies = *topology::ChooseDies(node.free(), pod.dies);
    placement.pods[pod_index] = PodPlacement{pod.name, pod.rank_index, node.name, dies,
                                             node.super_pod_id, 0};
    context.Assume(pod, best, dies);
  }
  placement.gang = gang.Key();
  ComputePlacementFigures(placement);
  return placement;
}

}  // namespace flyover::sched::bench
