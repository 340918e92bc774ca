// Placement of gangs whose pods ask for different resources (only allowed without a
// superPodBlock), largest pods first: into one super-pod (Required, or a replacement confined
// to its super-pod), best fit: the super-pods whose placeable dies cover the gang are tried
// tightest first; or first fit across super-pods with the most free dies first (Preferred).
// Within a super-pod, partly used nodes come first (fewest free dies first), then wholly free
// nodes, of which a new gang takes at most (wholly free - spare); a replacement takes wholly free
// (spare) nodes first. The lower bound reported is the fewest super-pods whose placeable free
// dies cover the gang's dies (a relaxation: it ignores the whole-chip and per-node limits).
#ifndef FLYOVER_SCHEDULER_PLUGINS_MIXED_SHAPES_H_
#define FLYOVER_SCHEDULER_PLUGINS_MIXED_SHAPES_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "scheduler/framework/placement_context.h"

namespace flyover::sched::plugins {

// `order`: indices into the gang's pods by rank. `spare`: wholly free nodes kept per super-pod.
absl::StatusOr<GangPlacement> PlaceMixedShapes(PlacementContext& context,
                                               const std::vector<size_t>& order, int spare);

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_MIXED_SHAPES_H_
