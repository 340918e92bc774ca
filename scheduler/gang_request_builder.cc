#include "scheduler/gang_request_builder.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "kube/cache/object.h"

namespace flyover::sched {
namespace {

PodRequest ToPodRequest(const PodInfo& pod, int rank) {
  return PodRequest{.name = pod.name,
                    .rank_index = rank,
                    .dies = pod.npus,
                    .cpu_millis = pod.cpu_millis,
                    .memory_bytes = pod.memory_bytes,
                    .node_selector = pod.node_selector,
                    .tolerations = pod.tolerations,
                    .required_affinity = pod.required_affinity};
}

// Where `pod` goes beside its placed peers: its block's physical super-pod (any peer's when
// none of its block is placed; anywhere, -1, when no peer is), its block index from its rank.
Replacement FindReplacement(const PodInfo& pod, const std::string& gang_key,
                            const ClusterSnapshot& snapshot) {
  const int block_pods = pod.gang.super_pod_block > 0 && pod.npus > 0
                             ? std::max(1, pod.gang.super_pod_block / pod.npus)
                             : 0;
  const int rank = pod.rank_index.value_or(0);
  const int block = block_pods > 0 ? rank / block_pods : 0;
  Replacement replacement{.logical_super_pod_index = block};
  int any_super_pod = -1;
  std::set<std::string> nodes;
  snapshot.ForEachPod([&](const PlacedPod& placed) {
    if (placed.gang != gang_key || placed.Key() == pod.key) return;
    nodes.insert(placed.node);
    const NodeInfo* node = snapshot.FindNode(placed.node);
    if (node == nullptr) return;
    any_super_pod = std::max(any_super_pod, node->super_pod_id);
    const int placed_block = block_pods > 0 ? placed.rank_index / block_pods : 0;
    if (placed.rank_index >= 0 && placed_block == block) {
      replacement.super_pod_id = node->super_pod_id;
    }
  });
  if (replacement.super_pod_id < 0) replacement.super_pod_id = any_super_pod;
  replacement.gang_nodes.assign(nodes.begin(), nodes.end());
  return replacement;
}

}  // namespace

GangRequest BuildGangRequest(const PendingGang& gang, const ClusterSnapshot& snapshot) {
  GangRequest request;
  request.gang_namespace = gang.namespace_;
  request.name = gang.gang.empty() ? gang.pods.front().name : gang.gang;
  request.creation_time = gang.created;
  request.priority = gang.priority;
  const PodInfo& first = gang.pods.front();
  request.super_pod_block_dies = first.gang.super_pod_block;
  request.affinity =
      first.gang.affinity_required ? SuperPodAffinity::kRequired : SuperPodAffinity::kPreferred;
  request.spare_nodes_per_super_pod = first.gang.spare_nodes;
  int next_rank = 0;
  for (const PodInfo& pod : gang.pods)
    next_rank = std::max(next_rank, pod.rank_index.value_or(-1) + 1);
  std::vector<PodInfo> unplaced;
  for (const PodInfo& pod : gang.pods) {
    if (snapshot.FindPod(pod.namespace_, pod.name) != nullptr) continue;
    unplaced.push_back(pod);
    if (!unplaced.back().rank_index.has_value()) unplaced.back().rank_index = next_rank++;
  }
  const std::string gang_key = gang.gang.empty() ? "" : kube::JoinKey(gang.namespace_, gang.gang);
  int placed_members = 0;
  if (!gang_key.empty()) {
    snapshot.ForEachPod([&](const PlacedPod& pod) { placed_members += pod.gang == gang_key; });
  }
  if (unplaced.empty()) return request;
  if (gang.replacement || placed_members > 0) {
    // A replacement, or the rest of a gang bound in part: one pod, beside its bound peers.
    const PodInfo& pod = unplaced.front();
    request.pods.push_back(ToPodRequest(pod, *pod.rank_index));
    request.min_member = 1;
    // The gang's block stays: the core checks a replacement against its block's pod size, not
    // its total, and the pod keeps its logical super-pod (rank / pods per block).
    if (!gang_key.empty()) request.replacement = FindReplacement(pod, gang_key, snapshot);
    return request;
  }
  for (const PodInfo& pod : unplaced) request.pods.push_back(ToPodRequest(pod, *pod.rank_index));
  request.min_member = gang.min_member;
  return request;
}

}  // namespace flyover::sched
