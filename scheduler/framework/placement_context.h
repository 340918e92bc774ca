// PlacementContext: what a Place plugin works with during one PlaceGang call.
//
// It overlays the cycle's tentative placements on the (immutable) snapshot: node(i) shows a node
// with every pod Assume'd so far in this cycle, so Filter and Score see the node as it would be.
// Nothing here touches the snapshot; dropping the context discards the tentative placements.
// Not thread-safe; one per cycle.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_PLACEMENT_CONTEXT_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_PLACEMENT_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/cycle_state.h"
#include "scheduler/framework/gang_request.h"
#include "scheduler/framework/plugin.h"

namespace flyover::sched {

struct SchedulerOptions;
class PluginSet;

class PlacementContext {
 public:
  PlacementContext(const ClusterSnapshot& snapshot, const GangRequest& gang,
                   const PluginSet& plugins, const SchedulerOptions& options, CycleState& state);

  const ClusterSnapshot& snapshot() const { return snapshot_; }
  const GangRequest& gang() const { return gang_; }
  const SchedulerOptions& options() const { return options_; }
  CycleState& state() { return state_; }

  size_t node_count() const { return snapshot_.node_count(); }
  const NodeInfo& node(size_t index) const {
    return overlay_[index] ? *overlay_[index] : snapshot_.node(index);
  }
  // Runs every Filter plugin; the first rejection wins.
  FilterVerdict Filter(const PodRequest& pod, size_t index) const;
  // Weighted sum of every Score plugin (call only for nodes that pass Filter).
  int64_t Score(const PodRequest& pod, size_t index) const;
  // Tentatively places `pod` with `dies` on node `index` for the rest of the cycle.
  void Assume(const PodRequest& pod, size_t index, DieSet dies);
  // Drops every tentative placement.
  void Reset();

  // Reasons the Filter plugins gave, with how many (pod class, node) pairs each rejected,
  // most frequent first: "3 node is NotReady, 12 not enough free dies".
  std::string FilterSummary(const PodRequest& pod) const;

 private:
  const ClusterSnapshot& snapshot_;
  const GangRequest& gang_;
  const PluginSet& plugins_;
  const SchedulerOptions& options_;
  CycleState& state_;
  std::vector<std::unique_ptr<NodeInfo>> overlay_;
  std::vector<size_t> touched_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_PLACEMENT_CONTEXT_H_
