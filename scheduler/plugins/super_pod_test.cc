#include "scheduler/plugins/super_pod.h"

#include <set>

#include "gtest/gtest.h"
#include "scheduler/framework/testing/snapshot_builder.h"
#include "scheduler/plugins/test_util.h"

namespace flyover::sched::plugins {
namespace {

using testing::MakeGang;
using testing::NodeName;
using testing::SnapshotBuilder;

// Occupies the first `used` nodes of super-pod `sp` wholly.
void Fill(SnapshotBuilder& builder, int sp, int used) {
  for (int n = 0; n < used; ++n) builder.OccupyWhole(NodeName(sp, n));
}

TEST(SuperPodTest, RequiredBlocksStayInOnePhysicalSuperPodWithConsecutiveRanks) {
  SnapshotBuilder builder;
  builder.AddSuperPods(3, 48);
  Fill(builder, 0, 20);  // 28 free
  Fill(builder, 1, 10);  // 38 free
  Fill(builder, 2, 30);  // 18 free
  auto scheduler = DefaultScheduler();
  // 4 blocks of 16 nodes (256 dies): one fits in sp0 (26 placeable), two in sp1 (36), one in sp2.
  GangRequest gang = MakeGang("g", 64, 16, 256);
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), gang, *placement, {}).ok());
  EXPECT_EQ(placement->super_pods_spanned, 3);
  EXPECT_EQ(placement->lower_bound_super_pods, 3);
  for (const PodPlacement& pod : placement->pods) {
    EXPECT_EQ(pod.logical_super_pod_index, pod.rank_index / 16);
    const PodPlacement& first = placement->pods[static_cast<size_t>(pod.logical_super_pod_index * 16)];
    EXPECT_EQ(pod.super_pod_id, first.super_pod_id) << pod.pod_name;
  }
  // Ranks change super-pod only at block boundaries: the ring crosses 3 times.
  EXPECT_EQ(placement->cross_super_pod_ring_edges, 3);
}

// Blocks smaller than a node (here 2 pods of 2 dies each): consecutive ranks still share
// one physical super-pod per block.
TEST(SuperPodTest, BlocksSmallerThanANodeArePlaced) {
  SnapshotBuilder builder;
  builder.AddSuperPods(2, 4);
  auto scheduler = DefaultScheduler();
  GangRequest gang = MakeGang("g", 8, 2, 4);
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), gang, *placement, {}).ok());
  for (const PodPlacement& pod : placement->pods) {
    EXPECT_EQ(pod.logical_super_pod_index, pod.rank_index / 2);
    const size_t first_of_block = static_cast<size_t>(pod.logical_super_pod_index * 2);
    const PodPlacement& first = placement->pods[first_of_block];
    EXPECT_EQ(pod.super_pod_id, first.super_pod_id) << pod.pod_name;
  }
}

TEST(SuperPodTest, UnschedulableMessageNamesTheLargestFreeBlock) {
  SnapshotBuilder builder;
  builder.AddSuperPods(2, 48);
  Fill(builder, 0, 6);   // 42 free, 40 placeable
  Fill(builder, 1, 20);  // 28 free
  auto scheduler = DefaultScheduler();
  auto placement = scheduler->PlaceGang(builder.snapshot(), MakeGang("big", 64, 16, 1024));
  EXPECT_TRUE(IsUnschedulable(placement.status()));
  EXPECT_EQ(placement.status().message(),
            "gang default/big needs 64 nodes in one super-pod; the largest free block is 40 "
            "nodes (2 spare nodes per super-pod kept free)");
}

TEST(SuperPodTest, UnschedulableMessageForSmallerPodsCountsPods) {
  SnapshotBuilder builder;
  builder.AddSuperPods(2, 8);
  Fill(builder, 0, 4);  // 4 free, 2 placeable: room for 4 pods of 8 NPUs
  Fill(builder, 1, 6);
  auto scheduler = DefaultScheduler();
  auto placement = scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 6, 8, 48));
  EXPECT_EQ(placement.status().message(),
            "gang default/g needs 6 pods of 8 NPUs in one super-pod; the largest free block has "
            "room for 4 (2 spare nodes per super-pod kept free)");
  auto soft = scheduler->PlaceGang(builder.snapshot(),
                                   MakeGang("s", 6, 8, 48, SuperPodAffinity::kPreferred));
  EXPECT_EQ(soft.status().message(),
            "gang default/s needs 6 pods of 8 NPUs; the cluster has room for 4 (2 spare nodes per "
            "super-pod kept free)");
}

TEST(SuperPodTest, PreferredSplitsAcrossTheFewestSuperPods) {
  SnapshotBuilder builder;
  builder.AddSuperPods(3, 48);
  Fill(builder, 0, 6);   // 40 placeable
  Fill(builder, 1, 20);  // 26 placeable
  Fill(builder, 2, 36);  // 10 placeable
  auto scheduler = DefaultScheduler();
  GangRequest gang = MakeGang("soft", 64, 16, 1024, SuperPodAffinity::kPreferred);
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), gang, *placement, {}).ok());
  EXPECT_EQ(placement->super_pods_spanned, 2);
  EXPECT_EQ(placement->lower_bound_super_pods, 2);
  EXPECT_EQ(placement->cross_super_pod_ring_edges, 2);
}

TEST(SuperPodTest, NewGangsNeverTakeSpareNodes) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 48);
  Fill(builder, 0, 44);  // 4 free, 2 of them spare
  auto scheduler = DefaultScheduler();
  EXPECT_TRUE(scheduler->PlaceGang(builder.snapshot(), MakeGang("two", 2, 16)).ok());
  auto three = scheduler->PlaceGang(builder.snapshot(), MakeGang("three", 3, 16));
  EXPECT_TRUE(IsUnschedulable(three.status())) << three.status();
  // A gang asking for more spares in its super-pods raises the floor.
  GangRequest careful = MakeGang("careful", 2, 16);
  careful.spare_nodes_per_super_pod = 3;
  EXPECT_TRUE(IsUnschedulable(scheduler->PlaceGang(builder.snapshot(), careful).status()));
}

TEST(SuperPodTest, ReplacementTakesASpareNodeInItsOwnSuperPod) {
  SnapshotBuilder builder;
  builder.AddSuperPods(2, 48);
  Fill(builder, 0, 46);  // only the 2 spares free
  auto scheduler = DefaultScheduler();
  GangRequest replacement = MakeGang("job", 1, 16);
  replacement.pods[0].rank_index = 17;
  replacement.replacement = Replacement{0, 1, {NodeName(0, 1)}};
  auto placement = scheduler->PlaceGang(builder.snapshot(), replacement);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].super_pod_id, 0);
  EXPECT_EQ(placement->pods[0].node, NodeName(0, 46));
  EXPECT_EQ(placement->pods[0].logical_super_pod_index, 1);
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), replacement, *placement, {}).ok());

  builder.OccupyWhole(NodeName(0, 46)).OccupyWhole(NodeName(0, 47));
  auto none = scheduler->PlaceGang(builder.snapshot(), replacement);
  ASSERT_TRUE(IsUnschedulable(none.status()));
  EXPECT_NE(none.status().message().find("needs 1 node in super-pod 0; it has 0 free nodes"),
            std::string::npos)
      << none.status();
}

TEST(SuperPodTest, ReplacementGoesNearItsPeersRacks) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 48);  // 8 servers a rack: node 8 is in rack 1, node 47 in rack 5
  for (int i = 0; i < 48; ++i) {
    if (i != 8 && i != 47) builder.OccupyWhole(NodeName(0, i));
  }
  auto scheduler = DefaultScheduler();
  GangRequest replacement = MakeGang("job", 1, 16);
  replacement.replacement = Replacement{0, 0, {}};
  auto placement = scheduler->PlaceGang(builder.snapshot(), replacement);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, NodeName(0, 8)) << "no peers known: by rack order";
  replacement.replacement->gang_nodes = {NodeName(0, 46), "gone-node"};
  placement = scheduler->PlaceGang(builder.snapshot(), replacement);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, NodeName(0, 47)) << "in the rack of its peer";
}

TEST(SuperPodTest, SmallPodsFillPartlyUsedNodesBeforeFreshOnes) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 8);
  builder.Occupy(NodeName(0, 3), DieSet::FromMask(0x00FF));
  builder.Occupy(NodeName(0, 5), DieSet::FromMask(0x0FFF));
  auto scheduler = DefaultScheduler();
  auto placement = scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 3, 4));
  ASSERT_TRUE(placement.ok()) << placement.status();
  std::multiset<std::string> nodes;
  for (const PodPlacement& pod : placement->pods) nodes.insert(pod.node);
  EXPECT_EQ(nodes.count(NodeName(0, 5)), 1u);
  EXPECT_EQ(nodes.count(NodeName(0, 3)), 2u);
}

TEST(SuperPodTest, MixedShapesWithoutBlockStayInOneSuperPodWhenRequired) {
  SnapshotBuilder builder;
  builder.AddSuperPods(2, 4);
  Fill(builder, 0, 3);
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  GangRequest gang = MakeGang("mix", 3, 8);
  gang.pods[0].dies = 16;
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->super_pods_spanned, 1);
  EXPECT_EQ(placement->pods[0].super_pod_id, 1);
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), gang, *placement,
                                      {.spare_nodes_per_super_pod = 0})
                  .ok());
}

TEST(SuperPodTest, MixedShapesGoToTheTightestSuperPodThatHoldsThem) {
  SnapshotBuilder builder;
  builder.AddSuperPods(3, 8);
  Fill(builder, 0, 6);  // 2 free nodes: 32 dies
  Fill(builder, 2, 5);  // 3 free nodes: 48 dies; super-pod 1 wholly free
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  GangRequest small = MakeGang("small", 3, 8);  // 16 + 8 + 8 dies
  small.pods[0].dies = 16;
  auto placement = scheduler->PlaceGang(builder.snapshot(), small);
  ASSERT_TRUE(placement.ok()) << placement.status();
  for (const PodPlacement& pod : placement->pods) EXPECT_EQ(pod.super_pod_id, 0);
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), small, *placement,
                                      {.spare_nodes_per_super_pod = 0})
                  .ok());
  GangRequest larger = MakeGang("larger", 3, 8);  // 16 + 16 + 8: more than super-pod 0 has
  larger.pods[0].dies = 16;
  larger.pods[1].dies = 16;
  placement = scheduler->PlaceGang(builder.snapshot(), larger);
  ASSERT_TRUE(placement.ok()) << placement.status();
  for (const PodPlacement& pod : placement->pods) EXPECT_EQ(pod.super_pod_id, 2);
}

TEST(SuperPodTest, MixedShapesSeeNodesOnlyTheSmallerPodMatchesAndKeepSpares) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 4);
  builder.Modify(NodeName(0, 3), [](NodeInfo& n) { n.labels["pool"] = "small"; });
  builder.Modify(NodeName(0, 0), [](NodeInfo& n) { n.labels["pool"] = "big"; });
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 1});
  GangRequest gang = MakeGang("mix", 2, 2);
  gang.pods[0].dies = 16;
  gang.pods[0].node_selector["pool"] = "big";
  gang.pods[1].node_selector["pool"] = "small";
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, NodeName(0, 0));
  EXPECT_EQ(placement->pods[1].node, NodeName(0, 3));
  EXPECT_TRUE(testing::CheckPlacement(builder.snapshot(), gang, *placement,
                                      {.spare_nodes_per_super_pod = 1})
                  .ok());

  // With 3 spares kept, only one wholly free node is placeable: the second pod has nowhere to go.
  auto strict = DefaultScheduler({.spare_nodes_per_super_pod = 3});
  GangRequest two = MakeGang("two", 2, 8);
  two.pods[0].dies = 16;
  auto none = strict->PlaceGang(builder.snapshot(), two);
  EXPECT_TRUE(IsUnschedulable(none.status())) << none.status();
  EXPECT_NE(none.status().message().find("first fit found no room"), std::string::npos)
      << none.status();
}

}  // namespace
}  // namespace flyover::sched::plugins
