// GangPlacement: the scheduler's answer for one gang, and the Unschedulable status.
//
// Contract (the binder writes these into pod annotations and pods/binding):
//   * pods[i] answers GangRequest::pods[i] (same order): node, dies (huawei.com/Ascend910
//     annotation = dies.ToDeviceNames()), rank index (hccl/rankIndex), physical super-pod id
//     (-1 when the node has none) and the logical super-pod index (rank_index / block pods).
//   * Every pod of the request is placed; the placement never over-commits a die, cpu, memory
//     or pod slot of the snapshot it was computed on.
//   * When a gang cannot be placed now, PlaceGang returns an Unschedulable status
//     (code kResourceExhausted, test with IsUnschedulable) whose message a user can act on,
//     e.g. "needs 64 nodes in one super-pod; the largest free block is 40". Retry it when the
//     cluster changes. A request that can never be placed (bad shape) is InvalidArgument.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_PLACEMENT_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_PLACEMENT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/gang_request.h"

namespace flyover::sched {

struct PodPlacement {
  std::string pod_name;
  int rank_index = 0;
  std::string node;
  DieSet dies;
  int super_pod_id = -1;
  int logical_super_pod_index = 0;
};

struct GangPlacement {
  std::string gang;  // GangRequest::Key()
  std::vector<PodPlacement> pods;
  // Quality figures of this placement.
  int super_pods_spanned = 0;     // distinct physical super-pods used
  int lower_bound_super_pods = 0; // fewest super-pods any placement could span on this snapshot
  int cross_super_pod_ring_edges = 0;  // ring rank r -> r+1 (and last -> first) changing super-pod

  // The pods as the cache should Assume them (assumed = true), in request order.
  std::vector<PlacedPod> ToPlacedPods(const GangRequest& gang_request) const;
};

// Counts distinct super-pods and ring edges crossing super-pods over `pods` ordered by rank.
void ComputePlacementFigures(GangPlacement& placement);

[[nodiscard]] absl::Status UnschedulableError(absl::string_view message);
bool IsUnschedulable(const absl::Status& status);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_PLACEMENT_H_
