#include "scheduler/cache/cluster_cache.h"

#include "common/fake_clock.h"
#include "gtest/gtest.h"
#include "scheduler/cache/node_info.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using topology::DieSet;

NodeInfo Node(const std::string& name, int super_pod = 0) {
  return *ParseNodeInfo(testing::Pack(testing::MakeNode(name, super_pod, 0))->view());
}

PodInfo Pod(const std::string& name, int npus = 16) {
  return *ParsePodInfo(testing::Pack(testing::MakeGangPod({.name = name, .npus = npus}))->view());
}

PodInfo Bound(const std::string& name, const std::string& node, const std::string& devices,
              int npus = 16) {
  return *ParsePodInfo(
      testing::Pack(
          testing::BoundTo(testing::MakeGangPod({.name = name, .npus = npus}), node, devices))
          ->view());
}

DieSet FreeOn(const ClusterCache& cache, const std::string& node) {
  ClusterSnapshot snapshot = cache.Snapshot();
  const NodeInfo* info = snapshot.FindNode(node);
  return info == nullptr ? DieSet::All() : info->free();  // a missing node fails expectations
}

absl::Status Assume(ClusterCache& cache, const std::string& pod, const std::string& node,
                    DieSet dies) {
  return cache.AssumePod(Pod(pod, dies.Count()).ToPlacedPod(node, dies, true));
}

class ClusterCacheTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  ClusterCache cache_{{.clock = &clock_, .assume_ttl = absl::Seconds(30)}};
};

TEST_F(ClusterCacheTest, BoundPodsAndUnhealthyDiesAreNotFree) {
  cache_.UpsertNode(Node("n1"));
  cache_.UpsertPod(Bound("a", "n1", "Ascend910-0,Ascend910-1", 2));
  cache_.SetUnhealthyDies("n1", DieSet::Of({15}));
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All() - DieSet::Of({0, 1, 15}));
  cache_.DeletePod("ml/a");
  cache_.SetUnhealthyDies("n1", DieSet());
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All());
}

TEST_F(ClusterCacheTest, AssumedDiesAreNeverHandedOutTwice) {
  cache_.UpsertNode(Node("n1"));
  ASSERT_TRUE(Assume(cache_, "a", "n1", DieSet::FromMask(0x00FF)).ok());
  absl::Status second = Assume(cache_, "b", "n1", DieSet::FromMask(0x01F8));
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition) << second;
  EXPECT_EQ(Assume(cache_, "a", "n1", DieSet::FromMask(0xFF00)).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Assume(cache_, "c", "nowhere", DieSet::FromMask(0xFF00)).code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(Assume(cache_, "b", "n1", DieSet::FromMask(0xFF00)).ok());
  EXPECT_TRUE(FreeOn(cache_, "n1").empty());
}

TEST_F(ClusterCacheTest, AssumptionSurvivesUnboundUpdatesAndBecomesBound) {
  cache_.UpsertNode(Node("n1"));
  ASSERT_TRUE(Assume(cache_, "a", "n1", DieSet::Of({2, 3})).ok());
  cache_.UpsertPod(Pod("a", 2));  // the watch still shows it unbound
  EXPECT_TRUE(cache_.IsAssumed("ml/a"));
  cache_.FinishBinding("ml/a");
  cache_.UpsertPod(Bound("a", "n1", "Ascend910-2,Ascend910-3", 2));
  EXPECT_FALSE(cache_.IsAssumed("ml/a"));
  EXPECT_TRUE(cache_.IsPlaced("ml/a"));
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(cache_.CleanupExpired(), 0);
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All() - DieSet::Of({2, 3}));
}

TEST_F(ClusterCacheTest, ForgottenOrExpiredAssumptionsReleaseDies) {
  cache_.UpsertNode(Node("n1"));
  ASSERT_TRUE(Assume(cache_, "a", "n1", DieSet::Of({0, 1})).ok());
  ASSERT_TRUE(Assume(cache_, "b", "n1", DieSet::Of({2, 3})).ok());
  cache_.ForgetPod("ml/a");
  EXPECT_FALSE(cache_.IsPlaced("ml/a"));
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(cache_.CleanupExpired(), 0) << "binding not finished: never expires";
  cache_.FinishBinding("ml/b");
  clock_.Advance(absl::Seconds(29));
  EXPECT_EQ(cache_.CleanupExpired(), 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(cache_.CleanupExpired(), 1);
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All());
}

TEST_F(ClusterCacheTest, BoundPodWithoutAnnotationIsChargedByCount) {
  cache_.UpsertNode(Node("n1"));
  cache_.UpsertPod(Bound("other", "n1", "", 4));
  EXPECT_EQ(FreeOn(cache_, "n1").Count(), 12);
}

TEST_F(ClusterCacheTest, FinishedPodsReleaseAndGenerationMoves) {
  cache_.UpsertNode(Node("n1"));
  PodInfo pod = Bound("a", "n1", "Ascend910-0,Ascend910-1", 2);
  cache_.UpsertPod(pod);
  const uint64_t before = cache_.generation();
  pod.phase = "Failed";
  cache_.UpsertPod(pod);
  EXPECT_GT(cache_.generation(), before);
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All());
}

TEST_F(ClusterCacheTest, SnapshotListsPlacedPodsWithGang) {
  cache_.UpsertNode(Node("n1", 4));
  cache_.UpsertPod(Bound("a", "n1", "Ascend910-0,Ascend910-1", 2));
  ClusterSnapshot snapshot = cache_.Snapshot();
  ASSERT_EQ(snapshot.node_count(), 1u);
  EXPECT_EQ(snapshot.node(0).super_pod_id, 4);
  const PlacedPod* pod = snapshot.FindPod("ml", "a");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->gang, "ml/job-g0");
  EXPECT_EQ(pod->dies, DieSet::Of({0, 1}));
  EXPECT_FALSE(pod->assumed);
  EXPECT_EQ(cache_.PlacedInGang("ml/job-g0"), 1);
  EXPECT_EQ(cache_.PlacedInGang("ml/other"), 0);
}

TEST_F(ClusterCacheTest, PodsBoundBeforeTheirNodeAppearAreCounted) {
  cache_.UpsertPod(Bound("a", "n1", "Ascend910-0,Ascend910-1", 2));
  cache_.UpsertNode(Node("n1"));
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All() - DieSet::Of({0, 1}));
  cache_.DeleteNode("n1");
  cache_.UpsertNode(Node("n1"));
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All() - DieSet::Of({0, 1}));
}

TEST_F(ClusterCacheTest, HealthChangesKeepHeldDiesHeld) {
  cache_.UpsertNode(Node("n1"));
  cache_.UpsertPod(Bound("a", "n1", "Ascend910-0,Ascend910-1", 2));
  cache_.SetUnhealthyDies("n1", DieSet::Of({1, 5}));
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All() - DieSet::Of({0, 1, 5}));
  cache_.UpsertNode(Node("n1"));  // a node update keeps the reported health
  EXPECT_EQ(FreeOn(cache_, "n1"), DieSet::All() - DieSet::Of({0, 1, 5}));
}

}  // namespace
}  // namespace flyover::sched
