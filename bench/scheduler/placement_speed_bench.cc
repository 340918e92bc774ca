// Placement speed of the scheduler core, in-process (like kube-scheduler's scheduler_perf),
// beside the per-pod spread baseline (per_pod_baselines.h) on the same input in the same run.
//   1. One 1,024-pod x 16-die gang (logical super-pods of 16 nodes, Required) on 6,144 nodes
//      (128 super-pods x 48) at 60% die occupancy: PlaceGang time (min and median of --reps),
//      and memory: peak RSS and the heap the cluster snapshot holds.
//   2. 1,000 small gangs of 4 pods x 4 dies placed one after another, each assumed into the
//      snapshot before the next (the scheduler loop without Kubernetes): pods/s.
//
// Usage: placement_speed_bench [--reps=20] [--seed=1]
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "bench/scheduler/bench_cluster.h"
#include "bench/scheduler/per_pod_baselines.h"
#include "scheduler/plugins/default_registry.h"

namespace flyover::sched::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double PeakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

double HeapMiB() { return static_cast<double>(mallinfo2().uordblks) / (1024.0 * 1024.0); }

void BigGang(const Scheduler& scheduler, int reps, std::mt19937_64& rng) {
  const double heap_before = HeapMiB();
  const ClusterSnapshot snapshot = BenchCluster(0.6, rng);
  const double heap_cluster = HeapMiB() - heap_before;
  const GangRequest gang = testing::MakeGang("big", 1024, 16, 16 * 16);
  std::vector<double> flyover, spread;
  int spanned = 0, bound = 0;
  for (int rep = 0; rep < reps; ++rep) {
    Clock::time_point start = Clock::now();
    absl::StatusOr<GangPlacement> placement = scheduler.PlaceGang(snapshot, gang);
    flyover.push_back(Seconds(start));
    if (!placement.ok()) {
      std::printf("1024x16 gang unschedulable: %s\n", std::string(placement.status().message()).c_str());
      return;
    }
    spanned = placement->super_pods_spanned;
    bound = placement->lower_bound_super_pods;
    start = Clock::now();
    (void)PlacePerPod(scheduler, snapshot, gang, PerPodPolicy::kSpread, rng);
    spread.push_back(Seconds(start));
  }
  std::sort(flyover.begin(), flyover.end());
  std::sort(spread.begin(), spread.end());
  const double median = flyover[flyover.size() / 2];
  std::printf("1024x16 gang on %zu nodes at 60%%: flyover min %.1f ms median %.1f ms "
              "(%.0f pods/s), %d super-pods (bound %d)\n",
              snapshot.node_count(), 1e3 * flyover.front(), 1e3 * median, 1024 / median, spanned,
              bound);
  std::printf("  per-pod spread baseline: min %.1f ms median %.1f ms (%.0f pods/s)\n",
              1e3 * spread.front(), 1e3 * spread[spread.size() / 2],
              1024 / spread[spread.size() / 2]);
  std::printf("  memory: snapshot (%zu nodes, %zu other pods) heap %.1f MiB, process peak RSS "
              "%.1f MiB\n",
              snapshot.node_count(), snapshot.pod_count(), heap_cluster, PeakRssMiB());
}

// Places 1,000 4-pod gangs in sequence; returns pods/s. `flyover` false: the per-pod baseline.
double SmallGangs(const Scheduler& scheduler, ClusterSnapshot snapshot, bool flyover,
                  std::mt19937_64& rng, int* placed) {
  *placed = 0;
  const Clock::time_point start = Clock::now();
  for (int g = 0; g < 1000; ++g) {
    const GangRequest gang = testing::MakeGang("small-" + std::to_string(g), 4, 4);
    std::optional<GangPlacement> placement;
    if (flyover) {
      absl::StatusOr<GangPlacement> result = scheduler.PlaceGang(snapshot, gang);
      if (result.ok()) placement = std::move(*result);
    } else {
      placement = PlacePerPod(scheduler, snapshot, gang, PerPodPolicy::kSpread, rng);
    }
    if (!placement.has_value()) continue;
    for (const PlacedPod& pod : placement->ToPlacedPods(gang)) (void)snapshot.Assume(pod);
    ++*placed;
  }
  return 4000.0 / Seconds(start);
}

}  // namespace
}  // namespace flyover::sched::bench

int main(int argc, char** argv) {
  using namespace flyover::sched;
  const int reps = bench::IntFlag(argc, argv, "--reps", 20);
  std::mt19937_64 rng(static_cast<uint64_t>(bench::IntFlag(argc, argv, "--seed", 1)));
  auto scheduler = Scheduler::Create(plugins::NewDefaultRegistry());
  if (!scheduler.ok()) return 1;
  bench::BigGang(**scheduler, reps, rng);
  const ClusterSnapshot snapshot = bench::BenchCluster(0.6, rng);
  int placed = 0;
  const double flyover = bench::SmallGangs(**scheduler, snapshot, true, rng, &placed);
  std::printf("1000 small gangs (4 pods x 4 dies): flyover %.0f pods/s (%d gangs placed)\n",
              flyover, placed);
  const double spread = bench::SmallGangs(**scheduler, snapshot, false, rng, &placed);
  std::printf("  per-pod spread baseline: %.0f pods/s (%d gangs placed)\n", spread, placed);
  return 0;
}
