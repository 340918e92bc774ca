// Placement quality on random fragmented clusters: Flyover's gang + super-pod placement against
// a kube-scheduler-like per-pod spread and a Volcano-like per-pod bin-pack, on the same clusters
// and gangs in the same run (per_pod_baselines.h).
//
// Each instance: 128 super-pods x 48 nodes, 30-80% of the dies held by other jobs of random
// shapes, 2 spare nodes per super-pod; one gang of 64-1024 nodes' worth of pods (70%: 16-die
// pods, 30%: twice as many 8-die pods), logical super-pod of 16 or 32 nodes' worth of dies,
// Required or Preferred. Figures per placer over the instances:
//   placed         gangs placed whole, of all instances (baselines ignore Required and spares)
//   feasible       gangs placed whole, of the feasible instances
//   at bound       placed gangs on feasible instances spanning exactly the lower bound of
//                  super-pods (IndependentLowerBound, computed without the scheduler's code)
//   span/bound     mean super-pods spanned / lower bound
//   ring edges     mean ring edges (rank r -> r+1) crossing super-pods
//   split blocks   logical super-pods of Required gangs spread over more than one physical
//                  super-pod (a violation; Preferred gangs may split and are not counted)
//   frag dies      mean free dies left on partly used nodes (only small pods can use them)
//   largest block  mean largest placeable free block (nodes) left after the placement
//
// Usage: placement_quality_bench [--instances=200] [--seed=1]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "bench/scheduler/bench_cluster.h"
#include "bench/scheduler/per_pod_baselines.h"
#include "common/topology.h"
#include "scheduler/plugins/default_registry.h"

namespace flyover::sched::bench {
namespace {

struct Tally {
  int placed = 0;
  int feasible_placed = 0;
  int at_bound = 0;
  double span_ratio = 0;
  double ring_edges = 0;
  int split_blocks = 0;
  double fragmented_dies = 0;
  double largest_block = 0;
};

int SplitBlocks(const GangPlacement& placement, int block_pods) {
  std::map<int, std::set<int>> blocks;
  for (const PodPlacement& pod : placement.pods) {
    blocks[pod.rank_index / block_pods].insert(pod.super_pod_id);
  }
  int split = 0;
  for (const auto& [block, super_pods] : blocks) split += super_pods.size() > 1 ? 1 : 0;
  return split;
}

void Leftover(ClusterSnapshot snapshot, const GangRequest& gang, const GangPlacement& placement,
              Tally& tally) {
  for (const PlacedPod& pod : placement.ToPlacedPods(gang)) (void)snapshot.Assume(pod);
  std::vector<topology::NodeCapacityView> views;
  views.reserve(snapshot.node_count());
  for (size_t i = 0; i < snapshot.node_count(); ++i) {
    const NodeInfo& node = snapshot.node(i);
    views.push_back({node.super_pod_id, node.free(), node.ready && !node.unschedulable});
  }
  const topology::CapacitySummary summary = topology::SummarizeCapacity(views);
  int fragmented = 0;
  for (const auto& super_pod : summary.super_pods) fragmented += super_pod.fragmented_free_dies();
  tally.fragmented_dies += fragmented;
  tally.largest_block += summary.largest_placeable_block;
}

// The fewest super-pods any rule-abiding placement of the gang can span, computed apart from the
// scheduler's code: per super-pod, pods of `dies` fit (whole chips) on partly used schedulable
// nodes, plus 16/dies per wholly free node beyond the spares (topology::SummarizeCapacity's
// placeable_free_nodes). Required counts whole blocks per super-pod, Preferred counts pods.
// 0 if infeasible. cpu, memory and pod slots never bind in these clusters.
int IndependentLowerBound(const ClusterSnapshot& snapshot, const GangRequest& gang,
                          int block_pods) {
  const int dies = gang.pods.front().dies;
  std::vector<topology::NodeCapacityView> views;
  std::map<int, int> partial_pods;
  for (size_t i = 0; i < snapshot.node_count(); ++i) {
    const NodeInfo& node = snapshot.node(i);
    const bool schedulable = node.ready && !node.unschedulable;
    views.push_back({node.super_pod_id, node.free(), schedulable});
    if (schedulable && node.free() != DieSet::All()) {
      partial_pods[node.super_pod_id] += node.free().WholeChipDies().Count() / dies;
    }
  }
  const int unit = gang.affinity == SuperPodAffinity::kRequired ? block_pods : 1;
  std::vector<int> units;
  for (const auto& super_pod : topology::SummarizeCapacity(views).super_pods) {
    const int pods = partial_pods[super_pod.super_pod_id] +
                     super_pod.placeable_free_nodes * (topology::kDiesPerNode / dies);
    units.push_back(pods / unit);
  }
  std::sort(units.rbegin(), units.rend());
  const int needed = static_cast<int>(gang.pods.size()) / unit;
  int sum = 0;
  for (size_t k = 0; k < units.size(); ++k) {
    sum += units[k];
    if (sum >= needed) return static_cast<int>(k + 1);
  }
  return 0;
}

void Record(const std::optional<GangPlacement>& placement, const GangRequest& gang,
            int block_pods, int lower_bound, const ClusterSnapshot& snapshot, Tally& tally) {
  if (!placement.has_value()) return;
  ++tally.placed;
  if (gang.affinity == SuperPodAffinity::kRequired) {
    tally.split_blocks += SplitBlocks(*placement, block_pods);
  }
  Leftover(snapshot, gang, *placement, tally);
  if (lower_bound <= 0) return;
  ++tally.feasible_placed;
  tally.at_bound += placement->super_pods_spanned == lower_bound ? 1 : 0;
  tally.span_ratio += static_cast<double>(placement->super_pods_spanned) / lower_bound;
  tally.ring_edges += placement->cross_super_pod_ring_edges;
}

void Print(const char* name, const Tally& t, int instances, int feasible_instances) {
  const double placed = std::max(1, t.placed);
  const double feasible = std::max(1, t.feasible_placed);
  std::printf("%-22s %6.1f%% %8.1f%% %9.1f%% %10.3f %10.1f %12d %10.0f %13.1f\n", name,
              100.0 * t.placed / instances,
              100.0 * t.feasible_placed / std::max(1, feasible_instances),
              100.0 * t.at_bound / feasible,
              t.span_ratio / feasible, t.ring_edges / feasible, t.split_blocks,
              t.fragmented_dies / placed, t.largest_block / placed);
}

}  // namespace
}  // namespace flyover::sched::bench

int main(int argc, char** argv) {
  using namespace flyover::sched;
  const int instances = bench::IntFlag(argc, argv, "--instances", 200);
  std::mt19937_64 rng(static_cast<uint64_t>(bench::IntFlag(argc, argv, "--seed", 1)));
  auto scheduler = Scheduler::Create(plugins::NewDefaultRegistry());
  if (!scheduler.ok()) return 1;
  bench::Tally flyover, spread, binpack;
  int feasible = 0;
  int bound_disagreements = 0;
  bench::Tally before;  // the clusters as generated, for the fragmentation columns
  double flyover_seconds = 0;
  static constexpr int kPods[] = {64, 128, 256, 512, 1024};
  for (int instance = 0; instance < instances; ++instance) {
    const double occupancy = 0.3 + 0.5 * static_cast<double>(rng() % 1000) / 1000.0;
    const ClusterSnapshot snapshot = bench::BenchCluster(occupancy, rng);
    const int dies = rng() % 10 < 7 ? 16 : 8;
    const int pods = kPods[rng() % 5] * (16 / dies);
    const int block_pods = (rng() % 2 ? 16 : 32) * (16 / dies);
    const SuperPodAffinity affinity =
        rng() % 2 ? SuperPodAffinity::kRequired : SuperPodAffinity::kPreferred;
    const GangRequest gang =
        testing::MakeGang("job", pods, dies, block_pods * dies, affinity);
    const auto start = std::chrono::steady_clock::now();
    absl::StatusOr<GangPlacement> placed = (*scheduler)->PlaceGang(snapshot, gang);
    flyover_seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    bench::Leftover(snapshot, gang, GangPlacement{}, before);
    const int bound = bench::IndependentLowerBound(snapshot, gang, block_pods);
    feasible += bound > 0 ? 1 : 0;
    if (placed.ok() != (bound > 0) || (placed.ok() && placed->lower_bound_super_pods != bound)) {
      ++bound_disagreements;
    }
    bench::Record(placed.ok() ? std::optional<GangPlacement>(*placed) : std::nullopt, gang,
                  block_pods, bound, snapshot, flyover);
    bench::Record(bench::PlacePerPod(**scheduler, snapshot, gang, bench::PerPodPolicy::kSpread,
                                     rng),
                  gang, block_pods, bound, snapshot, spread);
    bench::Record(bench::PlacePerPod(**scheduler, snapshot, gang, bench::PerPodPolicy::kBinPack,
                                     rng),
                  gang, block_pods, bound, snapshot, binpack);
  }
  std::printf("instances %d, feasible %d (independent lower bound exists), Flyover's own bound "
              "disagreed %d times; mean Flyover placement %.2f ms\n",
              instances, feasible, bound_disagreements, 1e3 * flyover_seconds / instances);
  std::printf("before placement: mean frag dies %.0f, mean largest block %.1f nodes\n",
              before.fragmented_dies / instances, before.largest_block / instances);
  std::printf("%-22s %7s %9s %10s %10s %10s %12s %10s %13s\n", "placer", "placed", "feasible",
              "at bound",
              "span/bound", "ring edges", "split blocks", "frag dies", "largest block");
  bench::Print("flyover gang+super-pod", flyover, instances, feasible);
  bench::Print("per-pod spread (kube)", spread, instances, feasible);
  bench::Print("per-pod binpack (volc)", binpack, instances, feasible);
  return 0;
}
