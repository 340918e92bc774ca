#include "scheduler/framework/cluster_snapshot.h"

#include <random>

#include "gtest/gtest.h"
#include "scheduler/framework/testing/snapshot_builder.h"

namespace flyover::sched {
namespace {

using testing::A3Node;

PlacedPod Pod(const std::string& name, const std::string& node, DieSet dies) {
  PlacedPod pod;
  pod.pod_namespace = "ns";
  pod.name = name;
  pod.node = node;
  pod.dies = dies;
  pod.cpu_millis = 500;
  pod.memory_bytes = 1000;
  return pod;
}

TEST(ClusterSnapshotTest, AssumeHoldsDiesAndForgetReleasesThem) {
  ClusterSnapshot snapshot;
  ASSERT_TRUE(snapshot.UpsertNode(A3Node("a", 0, 0)).ok());
  ASSERT_TRUE(snapshot.Assume(Pod("p", "a", DieSet::Of({0, 1}))).ok());
  EXPECT_EQ(snapshot.FindNode("a")->free(), DieSet::All() - DieSet::Of({0, 1}));
  EXPECT_EQ(snapshot.FindNode("a")->requested, (Resources{500, 1000, 1, 2}));
  EXPECT_FALSE(snapshot.FindNode("a")->WhollyFree());
  ASSERT_TRUE(snapshot.Forget("ns", "p").ok());
  EXPECT_EQ(snapshot.FindNode("a")->free(), DieSet::All());
  EXPECT_EQ(snapshot.FindNode("a")->requested, Resources{});
  EXPECT_EQ(snapshot.Forget("ns", "p").code(), absl::StatusCode::kNotFound);
}

TEST(ClusterSnapshotTest, RejectsADieHeldByAnotherPodWithoutChange) {
  ClusterSnapshot snapshot;
  ASSERT_TRUE(snapshot.UpsertNode(A3Node("a", 0, 0)).ok());
  ASSERT_TRUE(snapshot.Assume(Pod("p", "a", DieSet::Of({0, 1}))).ok());
  absl::Status status = snapshot.Assume(Pod("q", "a", DieSet::Of({1, 2})));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("held by another pod"), std::string::npos) << status;
  EXPECT_EQ(snapshot.pod_count(), 1u);
  EXPECT_EQ(snapshot.FindNode("a")->used_dies, DieSet::Of({0, 1}));
  EXPECT_EQ(snapshot.Assume(Pod("q", "b", DieSet::Of({2}))).code(),
            absl::StatusCode::kNotFound);
}

TEST(ClusterSnapshotTest, ReassumingAPodMovesIt) {
  ClusterSnapshot snapshot;
  ASSERT_TRUE(snapshot.UpsertNode(A3Node("a", 0, 0)).ok());
  ASSERT_TRUE(snapshot.UpsertNode(A3Node("b", 0, 1)).ok());
  ASSERT_TRUE(snapshot.Assume(Pod("p", "a", DieSet::Of({0, 1}))).ok());
  ASSERT_TRUE(snapshot.Assume(Pod("p", "b", DieSet::Of({2, 3}))).ok());
  EXPECT_TRUE(snapshot.FindNode("a")->WhollyFree());
  EXPECT_EQ(snapshot.FindNode("b")->used_dies, DieSet::Of({2, 3}));
  EXPECT_EQ(snapshot.pod_count(), 1u);
}

TEST(ClusterSnapshotTest, CopiesAreIndependent) {
  ClusterSnapshot snapshot;
  ASSERT_TRUE(snapshot.UpsertNode(A3Node("a", 0, 0)).ok());
  ClusterSnapshot copy = snapshot;
  ASSERT_TRUE(copy.Assume(Pod("p", "a", DieSet::Of({0, 1}))).ok());
  ASSERT_TRUE(copy.UpsertNode(A3Node("b", 0, 1)).ok());
  EXPECT_EQ(snapshot.FindNode("a")->free(), DieSet::All());
  EXPECT_EQ(snapshot.node_count(), 1u);
  EXPECT_EQ(snapshot.pod_count(), 0u);
  EXPECT_EQ(copy.FindNode("a")->used_dies, DieSet::Of({0, 1}));
}

TEST(ClusterSnapshotTest, UpsertKeepsPlacedPodsAndUnhealthyDiesAreNotFree) {
  ClusterSnapshot snapshot;
  ASSERT_TRUE(snapshot.UpsertNode(A3Node("a", 0, 0)).ok());
  ASSERT_TRUE(snapshot.Assume(Pod("p", "a", DieSet::Of({0, 1}))).ok());
  NodeInfo update = A3Node("a", 0, 0);
  update.healthy = DieSet::All() - DieSet::Of({1, 5});
  ASSERT_TRUE(snapshot.UpsertNode(update).ok());
  EXPECT_EQ(snapshot.FindNode("a")->used_dies, DieSet::Of({0, 1}));
  EXPECT_FALSE(snapshot.FindNode("a")->free().Contains(5));
  EXPECT_FALSE(snapshot.FindNode("a")->free().Contains(1));
}

TEST(ClusterSnapshotTest, RemoveNodeForgetsItsPodsAndKeepsIndexConsistent) {
  ClusterSnapshot snapshot;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(snapshot.UpsertNode(A3Node("n" + std::to_string(i), 0, i)).ok());
  }
  ASSERT_TRUE(snapshot.Assume(Pod("p", "n0", DieSet::Of({0, 1}))).ok());
  ASSERT_TRUE(snapshot.RemoveNode("n0").ok());
  EXPECT_EQ(snapshot.pod_count(), 0u);
  EXPECT_EQ(snapshot.node_count(), 2u);
  ASSERT_NE(snapshot.FindNode("n2"), nullptr);
  EXPECT_EQ(snapshot.FindNode("n2")->name, "n2");
  EXPECT_EQ(snapshot.FindNode("n0"), nullptr);
}

TEST(ClusterSnapshotTest, RandomAssumeForgetKeepsAccountingExact) {
  ClusterSnapshot snapshot;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(snapshot.UpsertNode(A3Node("n" + std::to_string(i), 0, i)).ok());
  }
  std::mt19937_64 rng(7);
  std::map<std::string, PlacedPod> live;
  for (int step = 0; step < 2000; ++step) {
    const std::string name = "p" + std::to_string(rng() % 20);
    if (rng() % 2 == 0) {
      PlacedPod pod = Pod(name, "n" + std::to_string(rng() % 4),
                          DieSet::FromMask(static_cast<uint16_t>(rng())));
      if (snapshot.Assume(pod).ok()) live[name] = pod;
    } else if (snapshot.Forget("ns", name).ok()) {
      live.erase(name);
    }
  }
  std::map<std::string, Resources> want;
  std::map<std::string, DieSet> want_dies;
  for (const auto& [name, pod] : live) {
    EXPECT_TRUE((want_dies[pod.node] & pod.dies).empty()) << "die held twice on " << pod.node;
    want_dies[pod.node] = want_dies[pod.node] | pod.dies;
    Resources& r = want[pod.node];
    r.cpu_millis += pod.cpu_millis;
    r.memory_bytes += pod.memory_bytes;
    r.pods += 1;
    r.dies += pod.dies.Count();
  }
  for (int i = 0; i < 4; ++i) {
    const std::string node = "n" + std::to_string(i);
    EXPECT_EQ(snapshot.FindNode(node)->requested, want[node]) << node;
    EXPECT_EQ(snapshot.FindNode(node)->used_dies, want_dies[node]) << node;
  }
  EXPECT_EQ(snapshot.pod_count(), live.size());
}

}  // namespace
}  // namespace flyover::sched
