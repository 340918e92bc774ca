// SuperPod: the Place plugin. Packs a gang's logical super-pods into physical super-pods and
// picks nodes and dies for every pod, or explains why it cannot.
//
//   1. Pods sorted by rank; logical block j = ranks [j*B, (j+1)*B), B = superPodBlock / dies.
//   2. Per physical super-pod, the pods of this shape it can take (super_pod_capacity.h): every
//      Filter passes, resources fit, and the super-pod's last `spare` wholly free nodes stay free
//      (spare = max(SchedulerOptions, the gang's own); 0 for a replacement, which is confined to
//      its block's super-pod and takes spare nodes first).
//   3. Blocks into super-pods (block_packing.h): the fewest super-pods possible (the lower
//      bound), best fit among them; Required never splits a block, Preferred may.
//   4. Within a super-pod, consecutive ranks go to candidates in order (best fit first); each
//      pod's dies come from topology::ChooseDies on the node as the cycle has filled it.
// Gangs whose pods differ in shape (allowed only without superPodBlock) are placed first fit
// (mixed_shapes.h).
// Stateless and thread-safe.
#ifndef FLYOVER_SCHEDULER_PLUGINS_SUPER_POD_H_
#define FLYOVER_SCHEDULER_PLUGINS_SUPER_POD_H_

#include "scheduler/framework/placement_context.h"
#include "scheduler/framework/plugin.h"

namespace flyover::sched::plugins {

class SuperPod final : public PlacePlugin {
 public:
  absl::string_view Name() const override { return "SuperPod"; }
  absl::StatusOr<GangPlacement> Place(PlacementContext& context) const override;
};

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_SUPER_POD_H_
