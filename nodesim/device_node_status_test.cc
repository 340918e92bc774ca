#include "nodesim/device_node_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::nodesim {
namespace {

constexpr char kNpu[] = "huawei.com/Ascend910";

class DeviceNodeStatusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    nlohmann::json node = {{"apiVersion", "v1"},
                           {"kind", "Node"},
                           {"metadata", {{"name", "sp0-node00"}}},
                           {"status",
                            {{"capacity", {{kNpu, "16"}, {"cpu", "192"}}},
                             {"allocatable", {{kNpu, "16"}, {"cpu", "192"}}}}}};
    ASSERT_TRUE(api_.Create(kube::NodesResource(), node).ok());
    status_.Start();
  }

  nlohmann::json NodeStatus() {
    std::optional<nlohmann::json> node = api_.Get(kube::NodesResource(), "", "sp0-node00");
    EXPECT_TRUE(node.has_value());
    return node.has_value() ? (*node)["status"] : nlohmann::json();
  }

  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  ChaosState chaos_;
  DeviceNodeStatus status_{client_.get(),
                           {.retry_interval = absl::Milliseconds(10), .chaos = &chaos_}};
};

TEST(DeviceStatusPatchTest, NamesOnlyTheDeviceResources) {
  EXPECT_EQ(DeviceStatusPatch({{kNpu, {16, 15}}}),
            nlohmann::json::parse(R"({"status": {"capacity": {"huawei.com/Ascend910": "16"},
                                     "allocatable": {"huawei.com/Ascend910": "15"}}})"));
}

TEST_F(DeviceNodeStatusTest, PatchesCapacityAndAllocatableKeepingOtherResources) {
  status_.Update("sp0-node00", {{kNpu, {16, 15}}});
  ASSERT_TRUE(status_.WaitForWritten("sp0-node00", {{kNpu, {16, 15}}}, absl::Seconds(5)));
  nlohmann::json node_status = NodeStatus();
  EXPECT_EQ(node_status["capacity"][kNpu], "16");
  EXPECT_EQ(node_status["allocatable"][kNpu], "15");
  EXPECT_EQ(node_status["allocatable"]["cpu"], "192");
  EXPECT_EQ(status_.patches(), 1);
  EXPECT_EQ(status_.Latest("sp0-node00")->at(kNpu), (ResourceCounts{16, 15}));
  EXPECT_FALSE(status_.Latest("sp0-node01").has_value());
}

TEST_F(DeviceNodeStatusTest, RetriesAFailedPatch) {
  api_.FailNext({.verb = "patch", .resource = "nodes"}, 500);
  status_.Update("sp0-node00", {{kNpu, {16, 14}}});
  ASSERT_TRUE(status_.WaitForWritten("sp0-node00", {{kNpu, {16, 14}}}, absl::Seconds(5)));
  EXPECT_EQ(NodeStatus()["allocatable"][kNpu], "14");
  EXPECT_EQ(status_.failures(), 1);
  EXPECT_EQ(status_.patches(), 1);
}

TEST_F(DeviceNodeStatusTest, SilencedNodeIsWrittenOnlyAfterTheFaultClears) {
  chaos_.SetFault("sp0-node00", NodeFault::kPartitioned);
  status_.Update("sp0-node00", {{kNpu, {16, 13}}});
  EXPECT_FALSE(status_.WaitForWritten("sp0-node00", {{kNpu, {16, 13}}}, absl::Milliseconds(100)));
  EXPECT_EQ(NodeStatus()["allocatable"][kNpu], "16");
  chaos_.SetFault("sp0-node00", NodeFault::kNone);
  ASSERT_TRUE(status_.WaitForWritten("sp0-node00", {{kNpu, {16, 13}}}, absl::Seconds(5)));
  EXPECT_EQ(NodeStatus()["allocatable"][kNpu], "13");
}

TEST_F(DeviceNodeStatusTest, MissingNodeIsSkippedAndLaterNodesAreWritten) {
  status_.Update("sp9-node00", {{kNpu, {16, 16}}});
  status_.Update("sp0-node00", {{kNpu, {16, 12}}});
  ASSERT_TRUE(status_.WaitForWritten("sp0-node00", {{kNpu, {16, 12}}}, absl::Seconds(5)));
  EXPECT_EQ(status_.patches(), 1);
  EXPECT_EQ(status_.failures(), 0);
}

}  // namespace
}  // namespace flyover::nodesim
