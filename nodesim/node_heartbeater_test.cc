#include "nodesim/node_heartbeater.h"

#include <memory>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/core/object_codecs.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::nodesim {
namespace {

using kube::LeasesResource;
using kube::NodesResource;
using kube::testing::ActionMatcher;
using kube::testing::FakeApiServer;

std::vector<SimNodeSpec> FourNodes() {
  return *TopologyFromCounts(1, 4, PodMode::kSimulated);
}

ActionMatcher LeasePatches(const std::string& name = "") {
  return {.verb = "patch", .resource = "leases", .name = name};
}

class NodeHeartbeaterTest : public ::testing::Test {
 protected:
  std::unique_ptr<NodeHeartbeater> Make(int workers = 1) {
    return std::make_unique<NodeHeartbeater>(
        client_.get(), FourNodes(), NodeObjectOptions{.kubelet_port = 4321},
        HeartbeatOptions{.lease_interval = absl::Seconds(10),
                         .status_interval = absl::Seconds(60),
                         .workers = workers,
                         .clock = &clock_});
  }
  std::string RenewTime(const std::string& node) {
    return api_.Get(LeasesResource(), kNodeLeaseNamespace, node).value()["spec"]["renewTime"];
  }

  FakeClock clock_;
  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
};

TEST(SpreadOffset, SpreadsNodesEvenlyOverTheInterval) {
  EXPECT_EQ(SpreadOffset(0, 4, absl::Seconds(10)), absl::ZeroDuration());
  EXPECT_EQ(SpreadOffset(1, 4, absl::Seconds(10)), absl::Milliseconds(2500));
  EXPECT_EQ(SpreadOffset(1023, 1024, absl::Seconds(10)), absl::Seconds(10) * 1023 / 1024);
  EXPECT_EQ(SpreadOffset(0, 0, absl::Seconds(10)), absl::ZeroDuration());
}

TEST_F(NodeHeartbeaterTest, RegistersNodesWithStatusAndLeases) {
  ASSERT_TRUE(Make()->RegisterAll().ok());
  std::optional<nlohmann::json> node = api_.Get(NodesResource(), "", "sp0-node03");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ((*node)["metadata"]["labels"]["huawei.com/topotree.serverid"], "3");
  EXPECT_EQ((*node)["status"]["allocatable"]["huawei.com/Ascend910"], "16");
  EXPECT_EQ((*node)["status"]["daemonEndpoints"]["kubeletEndpoint"]["Port"], 4321);
  std::optional<nlohmann::json> lease = api_.Get(LeasesResource(), kNodeLeaseNamespace, "sp0-node03");
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "sp0-node03");
  EXPECT_EQ((*lease)["metadata"]["ownerReferences"][0]["uid"], (*node)["metadata"]["uid"]);
}

TEST_F(NodeHeartbeaterTest, RegisteringAgainUpdatesExistingObjects) {
  ASSERT_TRUE(Make()->RegisterAll().ok());
  clock_.Advance(absl::Seconds(3));
  absl::Status again = Make()->RegisterAll();
  ASSERT_TRUE(again.ok()) << again;
  EXPECT_EQ(RenewTime("sp0-node00"), "2026-01-01T00:00:03.000000Z");  // FakeClock start + 3 s
}

TEST_F(NodeHeartbeaterTest, RenewsLeasesSpreadOverTheInterval) {
  std::unique_ptr<NodeHeartbeater> heartbeater = Make();
  ASSERT_TRUE(heartbeater->RegisterAll().ok());
  api_.ClearActions();
  heartbeater->Start();
  // Node 0 is due at once; the others at 2.5 s, 5 s and 7.5 s.
  ASSERT_TRUE(api_.WaitForActions(LeasePatches("sp0-node00"), 1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(api_.Actions(LeasePatches()).size(), 1u);
  clock_.Advance(absl::Milliseconds(2500));
  ASSERT_TRUE(api_.WaitForActions(LeasePatches("sp0-node01"), 1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(api_.Actions(LeasePatches()).size(), 2u);
  clock_.Advance(absl::Milliseconds(7500));  // 10 s: nodes 2 and 3, then node 0 again
  ASSERT_TRUE(api_.WaitForActions(LeasePatches("sp0-node00"), 2));
  heartbeater->Stop();
  EXPECT_EQ(heartbeater->lease_renewals(), 5);
  EXPECT_EQ(heartbeater->failures(), 0);
}

TEST_F(NodeHeartbeaterTest, RecreatesAVanishedLeaseAndCountsFailures) {
  std::unique_ptr<NodeHeartbeater> heartbeater = Make();
  ASSERT_TRUE(heartbeater->RegisterAll().ok());
  ASSERT_TRUE(api_.Delete(LeasesResource(), kNodeLeaseNamespace, "sp0-node00").ok());
  api_.FailNext(LeasePatches("sp0-node01"), 500);
  heartbeater->Start();
  ASSERT_TRUE(api_.WaitForActions({.verb = "create", .resource = "leases"}, 1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Milliseconds(2500));
  ASSERT_TRUE(api_.WaitForActions(LeasePatches("sp0-node01"), 1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  heartbeater->Stop();
  EXPECT_TRUE(api_.Get(LeasesResource(), kNodeLeaseNamespace, "sp0-node00").has_value());
  EXPECT_EQ(heartbeater->failures(), 1);
}

TEST_F(NodeHeartbeaterTest, PostsNodeStatusHeartbeats) {
  std::unique_ptr<NodeHeartbeater> heartbeater = Make(2);
  ASSERT_TRUE(heartbeater->RegisterAll().ok());
  api_.ClearActions();
  heartbeater->Start();
  // Node 0's status is due at once; its heartbeat time is the clock's.
  ASSERT_TRUE(api_.WaitForActions(
      {.verb = "patch", .resource = "nodes", .subresource = "status", .name = "sp0-node00"}, 1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(2));
  heartbeater->Stop();
  std::optional<nlohmann::json> node = api_.Get(NodesResource(), "", "sp0-node00");
  EXPECT_EQ((*node)["status"]["conditions"][3]["type"], "Ready");
  EXPECT_EQ((*node)["status"]["conditions"][3]["lastHeartbeatTime"],
            kube::FormatKubeTime(clock_.Now()));
  EXPECT_GE(heartbeater->status_updates(), 1);
}

}  // namespace
}  // namespace flyover::nodesim
