#include "nodesim/node_lifecycle.h"

#include <memory>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/core/object_codecs.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/node_heartbeater.h"

namespace flyover::nodesim {
namespace {

using kube::NodesResource;
using kube::testing::FakeApiServer;

class NodeLifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(heartbeater_.RegisterAll().ok());
  }
  nlohmann::json Node(const std::string& name) {
    return api_.Get(NodesResource(), "", name).value();
  }
  nlohmann::json Ready(const std::string& name) {
    const nlohmann::json node = Node(name);
    for (const nlohmann::json& c : node["status"]["conditions"]) {
      if (c["type"] == "Ready") return c;
    }
    return nullptr;
  }
  std::vector<std::string> TaintEffects(const std::string& name) {
    std::vector<std::string> effects;
    const nlohmann::json spec = Node(name).value("spec", nlohmann::json::object());
    const nlohmann::json taints = spec.value("taints", nlohmann::json::array());
    for (const nlohmann::json& t : taints) {
      if (t["key"] == kTaintUnreachable) effects.push_back(t["effect"]);
    }
    return effects;
  }
  void RenewLease(const std::string& name) {
    ASSERT_TRUE(client_->Patch(kube::LeasesResource(), kNodeLeaseNamespace, name,
                           LeaseRenewPatch(clock_.Now()))
                    .ok());
  }

  FakeClock clock_;
  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  NodeHeartbeater heartbeater_{client_.get(), *TopologyFromCounts(1, 2, PodMode::kSimulated),
                               NodeObjectOptions{}, HeartbeatOptions{.clock = &clock_}};
  NodeLifecycleController controller_{client_.get(), {"sp0-node00", "sp0-node01"},
                                      {.grace_period = absl::Seconds(4),
                                       .monitor_period = absl::Seconds(1),
                                       .clock = &clock_}};
};

TEST_F(NodeLifecycleTest, FreshLeasesLeaveNodesAlone) {
  clock_.Advance(absl::Seconds(3));
  ASSERT_TRUE(controller_.Sync().ok());
  EXPECT_EQ(Ready("sp0-node00")["status"], "True");
  EXPECT_THAT(TaintEffects("sp0-node00"), ::testing::IsEmpty());
}

TEST_F(NodeLifecycleTest, StaleLeaseMarksTheNodeUnknownAndTaintsIt) {
  clock_.Advance(absl::Seconds(5));
  RenewLease("sp0-node01");
  ASSERT_TRUE(controller_.Sync().ok());
  nlohmann::json ready = Ready("sp0-node00");
  EXPECT_EQ(ready["status"], "Unknown");
  EXPECT_EQ(ready["reason"], "NodeStatusUnknown");
  EXPECT_EQ(ready["message"], "Kubelet stopped posting node status.");
  EXPECT_THAT(TaintEffects("sp0-node00"),
              ::testing::UnorderedElementsAre("NoExecute", "NoSchedule"));
  EXPECT_EQ(Ready("sp0-node01")["status"], "True");
  EXPECT_THAT(TaintEffects("sp0-node01"), ::testing::IsEmpty());
}

TEST_F(NodeLifecycleTest, RenewingAgainRemovesTheTaintAndRestoresReady) {
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(controller_.Sync().ok());
  ASSERT_EQ(Ready("sp0-node00")["status"], "Unknown");
  clock_.Advance(absl::Seconds(1));
  RenewLease("sp0-node00");
  ASSERT_TRUE(controller_.Sync().ok());
  EXPECT_EQ(Ready("sp0-node00")["status"], "True");
  EXPECT_EQ(Ready("sp0-node00")["reason"], "KubeletReady");
  EXPECT_THAT(TaintEffects("sp0-node00"), ::testing::IsEmpty());
  EXPECT_EQ(Ready("sp0-node01")["status"], "Unknown");  // still silent
}

TEST_F(NodeLifecycleTest, OtherTaintsAndOtherNodesAreKept) {
  ASSERT_TRUE(client_->Patch(NodesResource(), "", "sp0-node00",
                         {{"spec", {{"taints", {{{"key", "a"}, {"effect", "NoSchedule"}}}}}}})
                  .ok());
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(controller_.Sync().ok());
  EXPECT_EQ(Node("sp0-node00")["spec"]["taints"].size(), 3u);
  RenewLease("sp0-node00");
  ASSERT_TRUE(controller_.Sync().ok());
  ASSERT_EQ(Node("sp0-node00")["spec"]["taints"].size(), 1u);
  EXPECT_EQ(Node("sp0-node00")["spec"]["taints"][0]["key"], "a");
}

TEST(NodeHealthFor, NoHeartbeatAtAllIsUnreachableAndRepeatsWriteNothing) {
  kube::core::Node node = BuildNode(TopologyFromCounts(1, 1, PodMode::kSimulated)->at(0), {},
                                    absl::UnixEpoch());
  NodeHealthPatches first = NodeHealthFor(node, std::nullopt, absl::UnixEpoch(), absl::Seconds(4));
  EXPECT_FALSE(first.reachable);
  ASSERT_FALSE(first.status.is_null());
  ASSERT_FALSE(first.spec.is_null());
  node.status.conditions.clear();
  for (const nlohmann::json& c : first.status["status"]["conditions"]) {
    kube::core::NodeCondition condition;
    kube::ErrorList errors;
    ReadValue(c, {}, &errors, &condition);
    node.status.conditions.push_back(condition);
  }
  for (const nlohmann::json& t : first.spec["spec"]["taints"]) {
    kube::core::Taint taint;
    kube::ErrorList errors;
    ReadValue(t, {}, &errors, &taint);
    node.spec.taints.push_back(taint);
  }
  NodeHealthPatches again = NodeHealthFor(node, std::nullopt, absl::UnixEpoch() + absl::Seconds(9),
                                          absl::Seconds(4));
  EXPECT_TRUE(again.status.is_null());
  EXPECT_TRUE(again.spec.is_null());
}

}  // namespace
}  // namespace flyover::nodesim
