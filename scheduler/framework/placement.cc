#include "scheduler/framework/placement.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace flyover::sched {

std::vector<PlacedPod> GangPlacement::ToPlacedPods(const GangRequest& gang_request) const {
  std::vector<PlacedPod> out;
  out.reserve(pods.size());
  for (size_t i = 0; i < pods.size(); ++i) {
    const PodRequest* request = i < gang_request.pods.size() ? &gang_request.pods[i] : nullptr;
    PlacedPod pod;
    pod.pod_namespace = gang_request.gang_namespace;
    pod.name = pods[i].pod_name;
    pod.node = pods[i].node;
    pod.dies = pods[i].dies;
    pod.cpu_millis = request ? request->cpu_millis : 0;
    pod.memory_bytes = request ? request->memory_bytes : 0;
    pod.gang = gang;
    pod.rank_index = pods[i].rank_index;
    pod.assumed = true;
    out.push_back(std::move(pod));
  }
  return out;
}

void ComputePlacementFigures(GangPlacement& placement) {
  std::vector<const PodPlacement*> by_rank;
  absl::flat_hash_set<int> super_pods;
  for (const PodPlacement& pod : placement.pods) {
    by_rank.push_back(&pod);
    super_pods.insert(pod.super_pod_id);
  }
  std::sort(by_rank.begin(), by_rank.end(), [](const PodPlacement* a, const PodPlacement* b) {
    return a->rank_index < b->rank_index;
  });
  int edges = 0;
  for (size_t i = 0; by_rank.size() > 1 && i < by_rank.size(); ++i) {
    const PodPlacement* next = by_rank[(i + 1) % by_rank.size()];
    if (by_rank[i]->super_pod_id != next->super_pod_id) ++edges;
  }
  placement.super_pods_spanned = static_cast<int>(super_pods.size());
  placement.cross_super_pod_ring_edges = edges;
}

absl::Status UnschedulableError(absl::string_view message) {
  return absl::ResourceExhaustedError(message);
}

bool IsUnschedulable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kResourceExhausted;
}

}  // namespace flyover::sched
