// Property tests on random fragmented clusters: whatever the cluster and the gangs, a placement
// never over-commits a die, places a gang whole or not at all, never splits a Required block,
// never hands spare nodes to new gangs, meets the super-pod lower bound, and assume/forget of
// the placed pods keeps the snapshot's accounting exact.
#include <algorithm>
#include <random>

#include "gtest/gtest.h"
#include "scheduler/framework/testing/snapshot_builder.h"
#include "scheduler/plugins/test_util.h"

namespace flyover::sched::plugins {
namespace {

using testing::MakeGang;

ClusterSnapshot RandomCluster(std::mt19937_64& rng) {
  testing::SnapshotBuilder builder;
  builder.AddSuperPods(6, 16);
  ClusterSnapshot snapshot = builder.snapshot();
  for (size_t i = 0; i < snapshot.node_count(); ++i) {
    const int roll = static_cast<int>(rng() % 100);
    if (roll >= 6) continue;
    NodeInfo node = snapshot.node(i);
    if (roll < 2) node.ready = false;
    if (roll >= 2) node.healthy = DieSet::All() - DieSet::Of({static_cast<int>(rng() % 16)});
    EXPECT_TRUE(snapshot.UpsertNode(node).ok());
  }
  testing::OccupyRandomly(snapshot, 0.3 + 0.5 * static_cast<double>(rng() % 100) / 100.0, rng);
  return snapshot;
}

GangRequest RandomGang(std::mt19937_64& rng, int serial) {
  static constexpr int kDies[] = {2, 4, 8, 16, 16, 16};
  const int dies = kDies[rng() % 6];
  const int block_pods = static_cast<int>(16 / dies * (1 + rng() % 4));  // whole nodes of dies
  const int blocks = static_cast<int>(1 + rng() % 3);
  const bool use_block = rng() % 3 != 0;
  const int pods = use_block ? block_pods * blocks : static_cast<int>(1 + rng() % 12);
  const SuperPodAffinity affinity =
      rng() % 2 ? SuperPodAffinity::kRequired : SuperPodAffinity::kPreferred;
  GangRequest gang = MakeGang("g" + std::to_string(serial), pods, dies,
                              use_block ? block_pods * dies : 0, affinity);
  gang.spare_nodes_per_super_pod = static_cast<int>(rng() % 3);
  if (!use_block && rng() % 4 == 0) {  // mixed shapes: only allowed without a block
    for (PodRequest& pod : gang.pods) pod.dies = kDies[rng() % 6];
  }
  return gang;
}

TEST(PlacementPropertyTest, RandomClustersAndGangsKeepEveryRule) {
  std::mt19937_64 rng(2024);
  const SchedulerOptions options{.spare_nodes_per_super_pod = 1};
  auto scheduler = DefaultScheduler(options);
  int placed = 0, unschedulable = 0, mixed = 0;
  for (int cluster = 0; cluster < 30; ++cluster) {
    ClusterSnapshot snapshot = RandomCluster(rng);
    const ClusterSnapshot original = snapshot;
    std::vector<PlacedPod> assumed;
    for (int g = 0; g < 12; ++g) {
      const GangRequest gang = RandomGang(rng, g);
      const size_t pods_before = snapshot.pod_count();
      absl::StatusOr<GangPlacement> placement = scheduler->PlaceGang(snapshot, gang);
      ASSERT_EQ(snapshot.pod_count(), pods_before);
      if (!placement.ok()) {
        ASSERT_TRUE(IsUnschedulable(placement.status())) << placement.status();
        ++unschedulable;
        continue;
      }
      ++placed;
      ASSERT_TRUE(testing::CheckPlacement(snapshot, gang, *placement, options).ok())
          << testing::CheckPlacement(snapshot, gang, *placement, options);
      const bool same_shape = std::all_of(gang.pods.begin(), gang.pods.end(), [&](const auto& p) {
        return p.dies == gang.pods.front().dies;
      });
      mixed += same_shape ? 0 : 1;
      if (same_shape) {
        ASSERT_EQ(placement->super_pods_spanned, placement->lower_bound_super_pods)
            << gang.Key() << " in cluster " << cluster;
      }
      for (const PlacedPod& pod : placement->ToPlacedPods(gang)) {
        ASSERT_TRUE(snapshot.Assume(pod).ok()) << "die over-commit: " << pod.Key();
        assumed.push_back(pod);
      }
    }
    for (const PlacedPod& pod : assumed) {
      ASSERT_TRUE(snapshot.Forget(pod.pod_namespace, pod.name).ok());
    }
    for (size_t i = 0; i < snapshot.node_count(); ++i) {
      const NodeInfo* before = original.FindNode(snapshot.node(i).name);
      ASSERT_NE(before, nullptr);
      EXPECT_EQ(snapshot.node(i).used_dies, before->used_dies);
      EXPECT_EQ(snapshot.node(i).requested, before->requested);
    }
  }
  EXPECT_GT(placed, 50);
  EXPECT_GT(unschedulable, 10);
  EXPECT_GT(mixed, 3) << "mixed-shape gangs placed";
}

TEST(PlacementPropertyTest, CompetingGangsNeverHoldPartOfTheCluster) {
  testing::SnapshotBuilder builder;
  builder.AddSuperPods(1, 10);
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  ClusterSnapshot snapshot = builder.snapshot();
  const GangRequest a = MakeGang("a", 6, 16);
  const GangRequest b = MakeGang("b", 6, 16);
  // Each fits alone; computed on one snapshot, both answers are whole placements.
  absl::StatusOr<GangPlacement> first = scheduler->PlaceGang(snapshot, a);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(scheduler->PlaceGang(snapshot, b).ok());
  for (const PlacedPod& pod : first->ToPlacedPods(a)) ASSERT_TRUE(snapshot.Assume(pod).ok());
  // Once a is assumed, b waits whole (no partial hold), and fits again when a goes away.
  EXPECT_TRUE(IsUnschedulable(scheduler->PlaceGang(snapshot, b).status()));
  EXPECT_EQ(snapshot.pod_count(), 6u);
  for (const PlacedPod& pod : first->ToPlacedPods(a)) {
    ASSERT_TRUE(snapshot.Forget(pod.pod_namespace, pod.name).ok());
  }
  EXPECT_TRUE(scheduler->PlaceGang(snapshot, b).ok());
}

}  // namespace
}  // namespace flyover::sched::plugins
