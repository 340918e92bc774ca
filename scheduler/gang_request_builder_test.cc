#include "scheduler/gang_request_builder.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/cache/node_info.h"
#include "scheduler/binder/gang_binder.h"
#include "scheduler/cache/testing/objects.h"
#include "scheduler/plugins/test_util.h"

namespace flyover::sched {
namespace {

PodInfo Pod(testing::GangPodSpec spec) {
  return *ParsePodInfo(testing::Pack(testing::MakeGangPod(spec))->view());
}

PendingGang Gang(int pods, int min_member, int block = 64) {
  PendingGang gang{.key = "ml/job-g0",
                   .namespace_ = "ml",
                   .gang = "job-g0",
                   .job = "job",
                   .min_member = min_member};
  for (int i = 0; i < pods; ++i) {
    gang.pods.push_back(Pod({.name = absl::StrCat("w-", i), .min_member = min_member, .rank = i}));
    gang.pods.back().gang.super_pod_block = block;
  }
  return gang;
}

ClusterSnapshot Cluster(int nodes_per_super_pod) {
  ClusterSnapshot snapshot;
  for (int sp = 0; sp < 2; ++sp) {
    for (int i = 0; i < nodes_per_super_pod; ++i) {
      (void)snapshot.UpsertNode(*ParseNodeInfo(
          testing::Pack(testing::MakeNode(absl::StrCat("sp", sp, "-n", i), sp, i))->view()));
    }
  }
  return snapshot;
}

TEST(GangRequestBuilderTest, CarriesTheAnnotatedShape) {
  GangRequest request = BuildGangRequest(Gang(4, 4), Cluster(2));
  EXPECT_EQ(request.Key(), "ml/job-g0");
  ASSERT_EQ(request.pods.size(), 4u);
  EXPECT_EQ(request.pods[3].name, "w-3");
  EXPECT_EQ(request.pods[3].rank_index, 3);
  EXPECT_EQ(request.pods[3].dies, 16);
  EXPECT_EQ(request.min_member, 4);
  EXPECT_EQ(request.super_pod_block_dies, 64);
  EXPECT_EQ(request.affinity, SuperPodAffinity::kPreferred);
  EXPECT_FALSE(request.replacement.has_value());
  EXPECT_TRUE(ValidateGangRequest(request).ok()) << ValidateGangRequest(request);
}

TEST(GangRequestBuilderTest, CarriesPriorityAndRequiredAffinity) {
  PendingGang gang = Gang(2, 2);
  gang.priority = 7;
  NodeSelectorTerm term;
  term.fields.push_back({"metadata.name", LabelOperator::kIn, {"sp1-n0", "sp1-n1"}});
  for (PodInfo& pod : gang.pods) pod.required_affinity = {term};
  GangRequest request = BuildGangRequest(gang, Cluster(2));
  EXPECT_EQ(request.priority, 7);
  ASSERT_EQ(request.pods.size(), 2u);
  EXPECT_EQ(request.pods[1].required_affinity, std::vector<NodeSelectorTerm>{term});
  gang.pods[0].gang.super_pod_block = 32;
  gang.pods[1].gang.super_pod_block = 32;
  auto core = plugins::DefaultScheduler({.spare_nodes_per_super_pod = 0});
  absl::StatusOr<GangPlacement> placement =
      core->PlaceGang(Cluster(2), BuildGangRequest(gang, Cluster(2)));
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].super_pod_id, 1) << "the affinity reached the core";
  EXPECT_EQ(placement->pods[1].super_pod_id, 1);
}

TEST(GangRequestBuilderTest, RestOfAPartlyBoundGangGoesPodByPodBesideItsPeers) {
  ClusterSnapshot snapshot = Cluster(2);
  PendingGang gang = Gang(4, 4);
  ASSERT_TRUE(
      snapshot.Assume(gang.pods[0].ToPlacedPod("sp0-n0", topology::DieSet::All(), true)).ok());
  GangRequest request = BuildGangRequest(gang, snapshot);
  ASSERT_EQ(request.pods.size(), 1u);
  EXPECT_EQ(request.pods[0].name, "w-1");
  EXPECT_EQ(request.min_member, 1);
  ASSERT_TRUE(request.replacement.has_value());
  EXPECT_EQ(request.replacement->super_pod_id, 0);
}

// The rest of a half-bound gang keeps the gang's block, so its pods are annotated with their
// own logical super-pod (rank / pods per block), not block 0.
TEST(GangRequestBuilderTest, RestOfAHalfBoundGangKeepsItsLogicalSuperPod) {
  ClusterSnapshot snapshot = Cluster(4);
  PendingGang gang = Gang(8, 8, /*block=*/32);  // 2 pods of 16 dies per block
  for (int i = 0; i < 5; ++i) {  // ranks 0..4 bound: blocks 0, 1 and half of 2
    ASSERT_TRUE(snapshot
                    .Assume(gang.pods[i].ToPlacedPod(absl::StrCat("sp", i / 4, "-n", i % 4),
                                                     topology::DieSet::All(), false))
                    .ok());
  }
  GangRequest request = BuildGangRequest(gang, snapshot);
  ASSERT_EQ(request.pods.size(), 1u);
  EXPECT_EQ(request.pods[0].rank_index, 5);
  EXPECT_EQ(request.super_pod_block_dies, 32);
  ASSERT_TRUE(request.replacement.has_value());
  EXPECT_EQ(request.replacement->logical_super_pod_index, 2);
  EXPECT_EQ(request.replacement->super_pod_id, 1) << "rank 4, of the same block, is in sp1";
  EXPECT_TRUE(ValidateGangRequest(request).ok()) << ValidateGangRequest(request);
  auto core = plugins::DefaultScheduler({.spare_nodes_per_super_pod = 0});
  absl::StatusOr<GangPlacement> placement = core->PlaceGang(snapshot, request);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].super_pod_id, 1);
  std::vector<PodBinding> bindings = BindingsFor("ml", *placement);
  EXPECT_EQ(bindings[0].annotations.at("scheduling.flyover.dev/logical-super-pod"), "2");
  EXPECT_EQ(bindings[0].annotations.at("hccl/rankIndex"), "5");
}

TEST(GangRequestBuilderTest, ReplacementWithNoPeerPlacedKeepsItsBlockAndAvoidsSpares) {
  ClusterSnapshot snapshot = Cluster(2);
  PendingGang gang{
      .key = "ml/w-5#replacement", .namespace_ = "ml", .gang = "job-g0", .replacement = true};
  gang.pods.push_back(Pod({.name = "w-5", .min_member = 8, .rank = 5, .replacement = true}));
  gang.pods.back().gang.super_pod_block = 32;
  GangRequest request = BuildGangRequest(gang, snapshot);
  ASSERT_TRUE(request.replacement.has_value());
  EXPECT_EQ(request.replacement->super_pod_id, -1);
  EXPECT_EQ(request.replacement->logical_super_pod_index, 2);
  EXPECT_TRUE(request.replacement->gang_nodes.empty());
  auto core = plugins::DefaultScheduler({.spare_nodes_per_super_pod = 1});
  absl::StatusOr<GangPlacement> placement = core->PlaceGang(snapshot, request);
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].logical_super_pod_index, 2);
  // Two nodes per super-pod, one spare each: taking the one usable node of super-pod 0
  // leaves the next such replacement only super-pod 1's.
  ASSERT_TRUE(snapshot
                  .Assume(gang.pods[0].ToPlacedPod(placement->pods[0].node,
                                                   topology::DieSet::All(), true))
                  .ok());
  request.pods[0].name = "w-6";
  request.pods[0].rank_index = 6;
  placement = core->PlaceGang(snapshot, request);
  ASSERT_TRUE(placement.ok()) << placement.status();
  ASSERT_TRUE(snapshot.Assume({.pod_namespace = "ml", .name = "w-6",
                               .node = placement->pods[0].node, .dies = topology::DieSet::All()})
                  .ok());
  request.pods[0].name = "w-7";
  EXPECT_TRUE(IsUnschedulable(core->PlaceGang(snapshot, request).status()))
      << "the spare nodes stay free";
}

TEST(GangRequestBuilderTest, ReplacementStaysWithItsBlock) {
  ClusterSnapshot snapshot = Cluster(3);
  // Ranks 0..15 of a 16-die gang with 256-die blocks: 16 pods per block. Rank 1 runs in
  // super-pod 1; rank 2 is being replaced.
  PodInfo running = Pod({.name = "w-1", .rank = 1});
  ASSERT_TRUE(snapshot.Assume(running.ToPlacedPod("sp1-n0", topology::DieSet::All(), false)).ok());
  PendingGang gang{
      .key = "ml/w-2#replacement", .namespace_ = "ml", .gang = "job-g0", .replacement = true};
  gang.pods.push_back(Pod({.name = "w-2", .min_member = 4, .rank = 2, .replacement = true}));
  GangRequest request = BuildGangRequest(gang, snapshot);
  ASSERT_TRUE(request.replacement.has_value());
  EXPECT_EQ(request.replacement->super_pod_id, 1);
  EXPECT_EQ(request.replacement->logical_super_pod_index, 0);
  EXPECT_EQ(request.replacement->gang_nodes, std::vector<std::string>{"sp1-n0"});
  EXPECT_EQ(request.min_member, 1);
}

}  // namespace
}  // namespace flyover::sched
