#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/topology.h"
#include "scheduler/framework/testing/snapshot_builder.h"

namespace flyover::sched::testing {
namespace {

absl::Status Broken(absl::string_view what) { return absl::FailedPreconditionError(what); }

struct NodeUse {
  DieSet dies;
  Resources added;
};

absl::Status CheckPod(const ClusterSnapshot& snapshot, const PodRequest& request,
                      const PodPlacement& placed, NodeUse& use) {
  const NodeInfo* node = snapshot.FindNode(placed.node);
  if (node == nullptr) return Broken(absl::StrCat(placed.pod_name, ": unknown node"));
  if (!node->ready || node->unschedulable) {
    return Broken(absl::StrCat(placed.pod_name, ": node ", node->name, " not schedulable"));
  }
  if (placed.dies.Count() != request.dies) {
    return Broken(absl::StrCat(placed.pod_name, ": got ", placed.dies.Count(), " dies"));
  }
  if (request.dies > 1 && placed.dies.WholeChipDies() != placed.dies) {
    return Broken(absl::StrCat(placed.pod_name, ": dies ", placed.dies.ToIdList(),
                               " split a chip"));
  }
  if (!(node->free() - use.dies).ContainsAll(placed.dies)) {
    return Broken(absl::StrCat(placed.pod_name, ": die over-commit on ", node->name));
  }
  use.dies = use.dies | placed.dies;
  use.added.cpu_millis += request.cpu_millis;
  use.added.memory_bytes += request.memory_bytes;
  use.added.pods += 1;
  if (node->requested.cpu_millis + use.added.cpu_millis > node->allocatable.cpu_millis ||
      node->requested.memory_bytes + use.added.memory_bytes > node->allocatable.memory_bytes ||
      node->requested.pods + use.added.pods > node->allocatable.pods) {
    return Broken(absl::StrCat(placed.pod_name, ": cpu/memory/pods over-commit on ", node->name));
  }
  if (placed.super_pod_id != node->super_pod_id) {
    return Broken(absl::StrCat(placed.pod_name, ": wrong super-pod id"));
  }
  return absl::OkStatus();
}

absl::Status CheckSpares(const ClusterSnapshot& snapshot, const GangRequest& gang,
                         const absl::flat_hash_map<std::string, NodeUse>& uses,
                         const SchedulerOptions& options) {
  const int spare = std::max(options.spare_nodes_per_super_pod, gang.spare_nodes_per_super_pod);
  std::map<int, int> free_before, taken;
  for (size_t i = 0; i < snapshot.node_count(); ++i) {
    const NodeInfo& node = snapshot.node(i);
    if (!node.WhollyFree()) continue;
    ++free_before[node.super_pod_id];
    if (uses.contains(node.name)) ++taken[node.super_pod_id];
  }
  for (const auto& [super_pod, count] : taken) {
    if (free_before[super_pod] - count < spare) {
      return Broken(absl::StrCat("super-pod ", super_pod, ": new gang left ",
                                 free_before[super_pod] - count, " wholly free nodes, below ",
                                 spare, " spares"));
    }
  }
  return absl::OkStatus();
}

// Logical block j must hold the ranks in positions [j*B, (j+1)*B) of the gang's rank order.
absl::Status CheckConsecutiveRanks(const GangRequest& gang, const GangPlacement& placement) {
  if (gang.replacement.has_value()) return absl::OkStatus();
  const int dies = gang.pods.front().dies;
  const int block_pods = gang.super_pod_block_dies > 0 && dies > 0
                             ? gang.super_pod_block_dies / dies
                             : static_cast<int>(gang.pods.size());
  std::vector<const PodPlacement*> by_rank;
  for (const PodPlacement& pod : placement.pods) by_rank.push_back(&pod);
  std::sort(by_rank.begin(), by_rank.end(), [](const PodPlacement* a, const PodPlacement* b) {
    return a->rank_index < b->rank_index;
  });
  for (size_t k = 0; k < by_rank.size(); ++k) {
    if (by_rank[k]->logical_super_pod_index != static_cast<int>(k) / block_pods) {
      return Broken(absl::StrCat(by_rank[k]->pod_name, ": rank position ", k,
                                 " is in logical super-pod ",
                                 by_rank[k]->logical_super_pod_index, ", want ",
                                 static_cast<int>(k) / block_pods));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckPlacement(const ClusterSnapshot& snapshot, const GangRequest& gang,
                            const GangPlacement& placement, const SchedulerOptions& options) {
  if (placement.pods.size() != gang.pods.size()) return Broken("not every pod is placed");
  absl::flat_hash_map<std::string, NodeUse> uses;
  std::map<int, std::set<int>> block_super_pods;
  for (size_t i = 0; i < gang.pods.size(); ++i) {
    const PodPlacement& placed = placement.pods[i];
    if (placed.pod_name != gang.pods[i].name || placed.rank_index != gang.pods[i].rank_index) {
      return Broken(absl::StrCat("placement ", i, " does not answer pod ", gang.pods[i].name));
    }
    if (absl::Status s = CheckPod(snapshot, gang.pods[i], placed, uses[placed.node]); !s.ok()) {
      return s;
    }
    block_super_pods[placed.logical_super_pod_index].insert(placed.super_pod_id);
    if (gang.replacement.has_value() && placed.super_pod_id != gang.replacement->super_pod_id) {
      return Broken(absl::StrCat(placed.pod_name, ": replacement left its super-pod"));
    }
  }
  if (absl::Status ranks = CheckConsecutiveRanks(gang, placement); !ranks.ok()) return ranks;
  if (gang.affinity == SuperPodAffinity::kRequired && !gang.replacement.has_value()) {
    for (const auto& [block, super_pods] : block_super_pods) {
      if (super_pods.size() > 1) {
        return Broken(absl::StrCat("logical super-pod ", block, " spans ", super_pods.size(),
                                   " super-pods"));
      }
    }
  }
  if (gang.replacement.has_value()) return absl::OkStatus();
  return CheckSpares(snapshot, gang, uses, options);
}

}  // namespace flyover::sched::testing
