// The scheduler's typed extension points. A plugin implements one or more of them and is
// registered explicitly in a Registry (framework.h); the order of registration is the order of
// calls. Modelled on kube-scheduler's framework, with gang placement as one transaction:
//
//   QueueSort  orders pending gangs (one plugin).
//   PreFilter  once per gang and cycle: validate, precompute into CycleState; a non-OK status
//              ends the cycle (InvalidArgument: never placeable; Unschedulable: not now).
//   Filter     pod x node: may this pod go on this node as it stands (with the cycle's own
//              tentative placements applied)? Must depend only on the pod's requirements
//              (dies, cpu, memory, selector, tolerations, affinity), never on its name or rank:
//              the framework evaluates pods with equal requirements once.
//   Score      pod x node, for nodes that passed Filter: 0..kMaxNodeScore, higher is better;
//              multiplied by the plugin's registered weight. Same purity rule as Filter.
//   Place      one plugin: turns filter/score answers into a whole-gang placement through a
//              PlacementContext (placement_context.h). Pure: it changes no snapshot.
//   Reserve    after a placement, in Commit: claim it (the cache assumes the pods). If a later
//              step fails, Unreserve runs on every plugin whose Reserve succeeded, in reverse.
//   Permit     in Commit after Reserve: a last veto (a non-OK status rejects the gang).
//   Bind       in Commit after Permit: bind the pods (the binder writes annotations, then
//              pods/binding, pods of one gang in parallel). The first Bind plugin that returns
//              OK or an error other than Unimplemented ends the step.
//
// Threading: Filter, Score, PreFilter, QueueSort and Place are const and must be safe to call
// concurrently (keep state in CycleState). Reserve/Unreserve/Permit/Bind document their own.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_PLUGIN_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_PLUGIN_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/cycle_state.h"
#include "scheduler/framework/gang_request.h"
#include "scheduler/framework/placement.h"

namespace flyover::sched {

class PlacementContext;

inline constexpr int64_t kMaxNodeScore = 100;

// Filter's answer. `reason` must point at static storage ("node is NotReady"): the framework
// counts reasons across nodes to explain an unschedulable gang.
struct FilterVerdict {
  bool fits = true;
  absl::string_view reason;

  static constexpr FilterVerdict Fit() { return FilterVerdict{true, {}}; }
  static constexpr FilterVerdict Reject(absl::string_view static_reason) {
    return FilterVerdict{false, static_reason};
  }
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual absl::string_view Name() const = 0;
};

class QueueSortPlugin : public virtual Plugin {
 public:
  // Strict weak order: true if `a` should be scheduled before `b`.
  virtual bool Less(const GangRequest& a, const GangRequest& b) const = 0;
};

class PreFilterPlugin : public virtual Plugin {
 public:
  virtual absl::Status PreFilter(CycleState& state, const ClusterSnapshot& snapshot,
                                 const GangRequest& gang) const = 0;
};

class FilterPlugin : public virtual Plugin {
 public:
  virtual FilterVerdict Filter(const CycleState& state, const GangRequest& gang,
                               const PodRequest& pod, const NodeInfo& node) const = 0;
};

class ScorePlugin : public virtual Plugin {
 public:
  virtual int64_t Score(const CycleState& state, const GangRequest& gang, const PodRequest& pod,
                        const NodeInfo& node) const = 0;
};

class PlacePlugin : public virtual Plugin {
 public:
  virtual absl::StatusOr<GangPlacement> Place(PlacementContext& context) const = 0;
};

class ReservePlugin : public virtual Plugin {
 public:
  virtual absl::Status Reserve(CycleState& state, const GangRequest& gang,
                               const GangPlacement& placement) = 0;
  virtual void Unreserve(CycleState& state, const GangRequest& gang,
                         const GangPlacement& placement) = 0;
};

class PermitPlugin : public virtual Plugin {
 public:
  virtual absl::Status Permit(CycleState& state, const GangRequest& gang,
                              const GangPlacement& placement) = 0;
};

class BindPlugin : public virtual Plugin {
 public:
  virtual absl::Status Bind(CycleState& state, const GangRequest& gang,
                            const GangPlacement& placement) = 0;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_PLUGIN_H_
