// One test per placement rule of ASCEND.md ("Placement rules", 910C), through the default
// scheduler, plus the health filters.
#include "scheduler/plugins/basic_plugins.h"

#include "gtest/gtest.h"
#include "scheduler/framework/testing/snapshot_builder.h"
#include "scheduler/plugins/test_util.h"

namespace flyover::sched::plugins {
namespace {

using testing::MakeGang;
using testing::SnapshotBuilder;

TEST(AscendRulesTest, OneNpuPerPodOnlyForASinglePodJob) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 4);
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  EXPECT_TRUE(scheduler->PlaceGang(builder.snapshot(), MakeGang("one", 1, 1)).ok());
  auto two_pods = scheduler->PlaceGang(builder.snapshot(), MakeGang("two", 2, 1));
  EXPECT_EQ(two_pods.status().code(), absl::StatusCode::kInvalidArgument);
  auto odd = scheduler->PlaceGang(builder.snapshot(), MakeGang("odd", 1, 3));
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(AscendRulesTest, MultiDiePodsTakeWholeChipsOnly) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 1);
  // 8 free dies, but only one whole chip (dies 14, 15); the rest are halves.
  builder.Occupy("sp0-n0", DieSet::FromMask(0x3FFF & 0x5555) | DieSet::Of({1, 3}));
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  auto four = scheduler->PlaceGang(builder.snapshot(), MakeGang("four", 1, 4));
  EXPECT_TRUE(IsUnschedulable(four.status())) << four.status();
  EXPECT_NE(four.status().message().find("no whole free 910C chips"), std::string::npos)
      << four.status();
  auto two = scheduler->PlaceGang(builder.snapshot(), MakeGang("two", 1, 2));
  ASSERT_TRUE(two.ok()) << two.status();
  EXPECT_EQ(two->pods[0].dies, DieSet::Of({14, 15}));
}

TEST(AscendRulesTest, BestFitPrefersTheNodeWhoseFreeDiesMatch) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 3);
  builder.Occupy("sp0-n1", DieSet::FromMask(0x0FFF));  // 4 free: exactly the request
  builder.Occupy("sp0-n2", DieSet::FromMask(0x00FF));  // 8 free
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  auto placement = scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 1, 4));
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, "sp0-n1");
  EXPECT_EQ(placement->pods[0].dies, DieSet::FromMask(0xF000));
}

TEST(AscendRulesTest, OneDiePodTakesTheOtherHalfOfAHalfUsedChip) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 2);
  builder.Occupy("sp0-n1", DieSet::Of({0, 1, 2, 3, 4, 5, 6}));  // chip 3 half used
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  auto placement = scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 1, 1));
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, "sp0-n1");
  EXPECT_EQ(placement->pods[0].dies, DieSet::Of({7}));
}

TEST(AscendRulesTest, UnhealthyDiesAreNeverChosen) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 1);
  builder.Modify("sp0-n0", [](NodeInfo& n) { n.healthy = DieSet::All() - DieSet::Of({0, 3}); });
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  auto placement = scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 1, 4));
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].dies, DieSet::Of({4, 5, 6, 7}));
  auto whole = scheduler->PlaceGang(builder.snapshot(), MakeGang("w", 1, 16));
  EXPECT_TRUE(IsUnschedulable(whole.status()));
}

TEST(HealthTest, SkipsNotReadyCordonedTaintedAndUnselectedNodes) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 5);
  builder.Modify("sp0-n0", [](NodeInfo& n) { n.ready = false; });
  builder.Modify("sp0-n1", [](NodeInfo& n) { n.unschedulable = true; });
  builder.Modify("sp0-n2", [](NodeInfo& n) {
    n.taints.push_back({"npu-fault", "true", TaintEffect::kNoSchedule});
  });
  builder.Modify("sp0-n3", [](NodeInfo& n) { n.labels["pool"] = "other"; });
  builder.Modify("sp0-n4", [](NodeInfo& n) { n.labels["pool"] = "train"; });
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  GangRequest gang = MakeGang("g", 1, 16);
  gang.pods[0].node_selector["pool"] = "train";
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, "sp0-n4");

  GangRequest tolerant = MakeGang("t", 1, 16);
  tolerant.pods[0].tolerations.push_back({"npu-fault", TolerationOperator::kExists, "", {}});
  tolerant.pods[0].required_affinity.push_back(
      {{{"pool", LabelOperator::kDoesNotExist, {}}}});
  placement = scheduler->PlaceGang(builder.snapshot(), tolerant);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, "sp0-n2");

  GangRequest nowhere = MakeGang("n", 1, 16);
  nowhere.pods[0].node_selector["pool"] = "none";
  auto status = scheduler->PlaceGang(builder.snapshot(), nowhere).status();
  EXPECT_TRUE(IsUnschedulable(status));
  EXPECT_NE(status.message().find("2 node selector does not match"), std::string::npos)
      << status;
  EXPECT_NE(status.message().find("1 node is NotReady"), std::string::npos) << status;
}

TEST(HealthTest, NeverPlacesOnAnUnreachableNode) {
  // The node lifecycle controller's marks on a node whose Lease went stale: Ready Unknown
  // (not True, so not ready) and the unreachable taints.
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 2);
  builder.Modify("sp0-n0", [](NodeInfo& n) {
    n.ready = false;
    n.taints.push_back({"node.kubernetes.io/unreachable", "", TaintEffect::kNoExecute});
    n.taints.push_back({"node.kubernetes.io/unreachable", "", TaintEffect::kNoSchedule});
  });
  builder.Modify("sp0-n1", [](NodeInfo& n) {
    n.taints.push_back({"node.kubernetes.io/unreachable", "", TaintEffect::kNoExecute});
  });
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  auto status = scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 1, 4)).status();
  EXPECT_TRUE(IsUnschedulable(status)) << status;
  EXPECT_NE(status.message().find("1 node is NotReady"), std::string::npos) << status;
  EXPECT_NE(status.message().find("1 node has a taint the pod does not tolerate"),
            std::string::npos)
      << status;
}

TEST(HealthTest, AffinityMatchFieldsSelectNodesByName) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 4);
  builder.Modify("sp0-n1", [](NodeInfo& n) { n.labels["zone"] = "a"; });
  builder.Modify("sp0-n2", [](NodeInfo& n) { n.labels["zone"] = "a"; });
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  GangRequest gang = MakeGang("g", 1, 16);
  // One term: zone=a AND metadata.name NotIn [sp0-n1]; OR a second term naming sp0-n3.
  NodeSelectorTerm zone_not_n1;
  zone_not_n1.requirements.push_back({"zone", LabelOperator::kIn, {"a"}});
  zone_not_n1.fields.push_back({"metadata.name", LabelOperator::kNotIn, {"sp0-n1"}});
  gang.pods[0].required_affinity.push_back(zone_not_n1);
  auto placement = scheduler->PlaceGang(builder.snapshot(), gang);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, "sp0-n2");

  GangRequest named = MakeGang("named", 1, 16);
  NodeSelectorTerm only_n3;
  only_n3.fields.push_back({"metadata.name", LabelOperator::kIn, {"sp0-n3"}});
  named.pods[0].required_affinity.push_back(only_n3);
  placement = scheduler->PlaceGang(builder.snapshot(), named);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, "sp0-n3");

  NodeSelectorTerm missing;
  missing.fields.push_back({"metadata.name", LabelOperator::kIn, {"no-such-node"}});
  named.pods[0].required_affinity = {missing};
  auto status = scheduler->PlaceGang(builder.snapshot(), named).status();
  EXPECT_TRUE(IsUnschedulable(status)) << status;
  EXPECT_NE(status.message().find("4 node affinity does not match"), std::string::npos)
      << status;
}

TEST(NodeResourcesTest, CpuMemoryAndPodSlotsLimitPods) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 1);
  builder.Modify("sp0-n0", [](NodeInfo& n) { n.allocatable.pods = 3; });
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  EXPECT_TRUE(scheduler->PlaceGang(builder.snapshot(), MakeGang("g", 3, 2)).ok());
  EXPECT_TRUE(IsUnschedulable(scheduler->PlaceGang(builder.snapshot(), MakeGang("h", 4, 2))
                                  .status()));
  GangRequest hungry = MakeGang("cpu", 1, 2);
  hungry.pods[0].cpu_millis = 200000;
  auto status = scheduler->PlaceGang(builder.snapshot(), hungry).status();
  EXPECT_NE(status.message().find("not enough cpu"), std::string::npos) << status;
}

TEST(GangTest, WaitsForMinMemberAndPermitNeedsEveryPod) {
  SnapshotBuilder builder;
  builder.AddSuperPods(1, 4);
  auto scheduler = DefaultScheduler({.spare_nodes_per_super_pod = 0});
  GangRequest gang = MakeGang("g", 2, 16);
  gang.min_member = 4;
  auto status = scheduler->PlaceGang(builder.snapshot(), gang).status();
  EXPECT_TRUE(IsUnschedulable(status));
  EXPECT_NE(status.message().find("has 2 of its 4 minimum pods"), std::string::npos) << status;
  Gang plugin;
  CycleState state;
  EXPECT_EQ(plugin.Permit(state, MakeGang("g", 2, 16), GangPlacement{}).code(),
            absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace flyover::sched::plugins
