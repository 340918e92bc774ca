// Shared by the scheduler benchmarks: the benchmark cluster and small command-line parsing.
#ifndef FLYOVER_BENCH_SCHEDULER_BENCH_CLUSTER_H_
#define FLYOVER_BENCH_SCHEDULER_BENCH_CLUSTER_H_

#include <cstdlib>
#include <cstring>
#include <random>

#include "scheduler/framework/testing/snapshot_builder.h"

namespace flyover::sched::bench {

inline constexpr int kSuperPods = 128;
inline constexpr int kNodesPerSuperPod = 48;

// 128 super-pods x 48 A3 nodes with about `occupancy` of the dies held by other jobs.
inline ClusterSnapshot BenchCluster(double occupancy, std::mt19937_64& rng) {
  testing::SnapshotBuilder builder;
  builder.AddSuperPods(kSuperPods, kNodesPerSuperPod);
  ClusterSnapshot snapshot = builder.snapshot();
  testing::OccupyRandomly(snapshot, occupancy, rng);
  return snapshot;
}

// "--name=value" as an int, or `fallback`.
inline int IntFlag(int argc, char** argv, const char* name, int fallback) {
  const size_t length = std::strlen(name);
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], name, length) == 0 && argv[i][length] == '=') {
      return std::atoi(argv[i] + length + 1);
    }
  }
  return fallback;
}

}  // namespace flyover::sched::bench

#endif  // FLYOVER_BENCH_SCHEDULER_BENCH_CLUSTER_H_
