// Per-pod placers the scheduler benchmarks compare Flyover with. Both place a gang one pod at a
// time in rank order, with the 910C whole-chip die rule, health and resource checks of the
// default Filter plugins, and all-or-nothing at the end (a gang that does not fit is dropped
// whole, as a coscheduling plugin would); neither knows super-pods or spare nodes.
//   kSpread   kube-scheduler-like NodeResourcesLeastAllocated: the node with the most free dies
//             after the pod; ties broken at random (kube-scheduler samples among equal scores).
//   kBinPack  Volcano-like binpack: the node with the fewest free dies after the pod; ties broken
//             at random.
#ifndef FLYOVER_BENCH_SCHEDULER_PER_POD_BASELINES_H_
#define FLYOVER_BENCH_SCHEDULER_PER_POD_BASELINES_H_

#include <optional>
#include <random>

#include "scheduler/framework/framework.h"

namespace flyover::sched::bench {

enum class PerPodPolicy { kSpread, kBinPack };

// A placement of every pod, or nullopt. Super-pod figures filled by ComputePlacementFigures.
std::optional<GangPlacement> PlacePerPod(const Scheduler& filters, const ClusterSnapshot& snapshot,
                                         const GangRequest& gang, PerPodPolicy policy,
                                         std::mt19937_64& rng);

}  // namespace flyover::sched::bench

#endif  // FLYOVER_BENCH_SCHEDULER_PER_POD_BASELINES_H_
