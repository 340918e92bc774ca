#include "scheduler/gang_request_builder.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "scheduler/cache/node_info.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

PodInfo Pod(testing::GangPodSpec spec) {
  return *ParsePodInfo(testing::Pack(testing::MakeGangPod(spec))->view());
}

PendingGang Gang(int pods, int min_member) {
  PendingGang gang{.key = "ml/job-g0",
                   .namespace_ = "ml",
                   .gang = "job-g0",
                   .job = "job",
                   .min_member = min_member};
  for (int i = 0; i < pods; ++i) {
    gang.pods.push_back(Pod({.name = absl::StrCat("w-", i), .min_member = min_member, .rank = i}));
    gang.pods.back().gang.super_pod_block = 64;
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
