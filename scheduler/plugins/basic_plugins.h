// The per-node plugins of the default registry. Each is stateless; all methods are const and
// thread-safe. Filter reasons are static strings (FilterVerdict).
//
//   PrioritySort   QueueSort: higher priority, then older creation time, then namespace/name.
//   Gang           PreFilter: a gang with fewer pods than min_member waits (Unschedulable).
//                  Permit: the placement covers every pod of the gang and at least min_member.
//   Health         Filter: node Ready, not cordoned, every NoSchedule/NoExecute taint tolerated,
//                  node selector and required node affinity matched.
//   NodeResources  Filter: free dies, cpu, memory and pod slots cover the pod's request.
//   Ascend910c     Filter: the node's free dies allow the 910C choice (whole chips for a
//                  multi-die pod, topology::ChooseDies). Score: topology::NodeFitScore scaled to
//                  0..kMaxNodeScore (best fit; a 1-die pod prefers half-used chips).
#ifndef FLYOVER_SCHEDULER_PLUGINS_BASIC_PLUGINS_H_
#define FLYOVER_SCHEDULER_PLUGINS_BASIC_PLUGINS_H_

#include "scheduler/framework/plugin.h"

namespace flyover::sched::plugins {

class PrioritySort final : public QueueSortPlugin {
 public:
  absl::string_view Name() const override { return "PrioritySort"; }
  bool Less(const GangRequest& a, const GangRequest& b) const override;
};

class Gang final : public PreFilterPlugin, public PermitPlugin {
 public:
  absl::string_view Name() const override { return "Gang"; }
  absl::Status PreFilter(CycleState& state, const ClusterSnapshot& snapshot,
                         const GangRequest& gang) const override;
  absl::Status Permit(CycleState& state, const GangRequest& gang,
                      const GangPlacement& placement) override;
};

class Health final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "Health"; }
  FilterVerdict Filter(const CycleState& state, const GangRequest& gang, const PodRequest& pod,
                       const NodeInfo& node) const override;
};

class NodeResources final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "NodeResources"; }
  FilterVerdict Filter(const CycleState& state, const GangRequest& gang, const PodRequest& pod,
                       const NodeInfo& node) const override;
};

class Ascend910c final : public FilterPlugin, public ScorePlugin {
 public:
  absl::string_view Name() const override { return "Ascend910c"; }
  FilterVerdict Filter(const CycleState& state, const GangRequest& gang, const PodRequest& pod,
                       const NodeInfo& node) const override;
  int64_t Score(const CycleState& state, const GangRequest& gang, const PodRequest& pod,
                const NodeInfo& node) const override;
};

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_BASIC_PLUGINS_H_
