// Packing a gang's logical super-pods into physical super-pods: pure functions on capacities.
//
// The input is, per physical super-pod ("group"), how many pods of the gang it can take
// (computed by the SuperPod plugin from Filter answers, spare nodes and per-node fits). All pods
// of a packed gang ask the same, so every pod slot is interchangeable within a group, and:
//   * Required: a logical block of B pods fits a group with capacity c floor(c / B) times. The
//     fewest groups any placement can span is the smallest k whose k largest floor(c / B) sum to
//     the block count; PackBlocks always achieves it (the lower bound, exactly).
//   * Preferred: blocks may split, so the bound uses pods instead of blocks. PackBlocks keeps
//     blocks whole when that spans no more groups than the pod-level bound.
// Among the sets of k groups that suffice, PackBlocks prefers the one leaving the least
// capacity unused in the groups it touches, so large free super-pods stay whole for later
// gangs (best fit); within the chosen set the smaller groups are filled first.
#ifndef FLYOVER_SCHEDULER_PLUGINS_BLOCK_PACKING_H_
#define FLYOVER_SCHEDULER_PLUGINS_BLOCK_PACKING_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/types/span.h"
#include "scheduler/framework/gang_request.h"

namespace flyover::sched::plugins {

// `pods` consecutive ranks go to group `group` (an index into the capacity span).
struct Segment {
  int group = 0;
  int64_t pods = 0;
};

struct Packing {
  std::vector<Segment> segments;  // in rank order; their pods sum to the gang's pods
  int groups_used = 0;
  int lower_bound = 0;  // fewest groups any placement obeying the affinity can span
};

// Smallest k such that the k largest floor(capacity / unit) sum to at least `needed`;
// nullopt if all groups together fall short. unit >= 1, needed >= 0.
std::optional<int> FewestGroups(absl::Span<const int64_t> capacity, int64_t unit, int64_t needed);

// Packs `blocks` logical blocks of `block_pods` pods each. nullopt if infeasible.
std::optional<Packing> PackBlocks(absl::Span<const int64_t> capacity, int64_t block_pods,
                                  int64_t blocks, SuperPodAffinity affinity);

}  // namespace flyover::sched::plugins

#endif  // FLYOVER_SCHEDULER_PLUGINS_BLOCK_PACKING_H_
