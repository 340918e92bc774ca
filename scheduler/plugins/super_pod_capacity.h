// How much of one pod shape each physical super-pod can take now: the SuperPod plugin's view of
// the cluster for one gang. Nodes without a super-pod id form a group each.
//
// A group's capacity counts, over nodes passing every Filter, how many pods of the shape fit on
// each node (dies by the 910C whole-chip rule, cpu, memory, pod slots), but takes at most
// (wholly free nodes - spare) wholly free nodes: spare nodes are out of reach. `candidates`
// lists the nodes in the order the plugin fills them: partly used nodes first, best fit first
// (fewer free dies left, then fewer split chips), then wholly free nodes by rack and server; with
// `spares_first` (a replacement) wholly free (spare) nodes come first.
#ifndef FLYOVER_SCHEDULER_PLUGINS_SUPER_POD_CAPACITY_H_
#define FLYOVER_SCHEDULER_PLUGINS_SUPER_POD_CAPACITY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "scheduler/framework/placement_context.h"

namespace flyover::sched::plugins {

struct GroupCapacity {
  int super_pod_id = -1;
  int64_t capacity = 0;          // pods of the shape the group can take
  int wholly_free_nodes = 0;     // all nodes of the group, eligible or not
  int usable_free_nodes = 0;     // wholly free nodes the gang may take
  std::vector<size_t> candidates;
};

// Pods of `pod`'s shape that fit on `node` by resources alone (0 if none).
int64_t PodsFitting(const NodeInfo& node, const PodRequest& pod);

// Groups for `pod`'s shape. `spare` wholly free nodes per group are kept out of reach;
// `only_super_pod` (>= 0) restricts the view to that physical super-pod. `filtered_out`
// receives the number of nodes some Filter rejected.
std::vector<GroupCapacity> BuildGroupCapacities(const PlacementContext& context,
                                                const PodRequest& pod, int spare,
                                                bool spares_first,
                                                std::optional<int> only_super_pod,
                                                int* filtered_out);

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_SUPER_POD_CAPACITY_H_
