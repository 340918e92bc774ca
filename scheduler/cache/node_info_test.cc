#include "scheduler/cache/node_info.h"

#include "gtest/gtest.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using testing::Pack;

TEST(NodeInfoTest, ParsesTopologyLabelsAndAllocatable) {
  nlohmann::json node = testing::MakeNode("n7", 3, 5, 16);
  node["spec"]["taints"] = {{{"key", "maint"}, {"effect", "NoSchedule"}},
                            {{"key", "soft"}, {"effect", "PreferNoSchedule"}},
                            {{"key", "odd"}, {"effect", "Sometimes"}}};
  node["status"]["allocatable"]["cpu"] = "190500m";
  node["status"]["allocatable"]["memory"] = "1Gi";
  absl::StatusOr<NodeInfo> info = ParseNodeInfo(Pack(node)->view());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->name, "n7");
  EXPECT_EQ(info->super_pod_id, 3);
  EXPECT_EQ(info->server_id, 5);
  EXPECT_EQ(info->allocatable.dies, 16);
  EXPECT_EQ(info->allocatable.cpu_millis, 190500);
  EXPECT_EQ(info->allocatable.memory_bytes, int64_t{1} << 30);
  EXPECT_EQ(info->allocatable.pods, 110);
  EXPECT_EQ(info->healthy, topology::DieSet::All());
  EXPECT_TRUE(info->ready);
  EXPECT_FALSE(info->unschedulable);
  ASSERT_EQ(info->taints.size(), 2u) << "the unknown effect is dropped";
  EXPECT_EQ(info->taints[0].key, "maint");
  EXPECT_EQ(info->taints[1].effect, TaintEffect::kPreferNoSchedule);
}

TEST(NodeInfoTest, FewerAllocatableDiesAndNotReady) {
  nlohmann::json node = testing::MakeNode("n1", 0, 0, 8);
  node["status"]["conditions"][0]["status"] = "False";
  node["metadata"]["labels"].erase("huawei.com/topotree.superpodid");
  absl::StatusOr<NodeInfo> info = ParseNodeInfo(Pack(node)->view());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->allocatable.dies, 8);
  EXPECT_EQ(info->healthy, topology::DieSet::FromMask(0x00FF));
  EXPECT_FALSE(info->ready);
  EXPECT_EQ(info->super_pod_id, -1);
}

TEST(NodeInfoTest, DeviceInfoNamesAndUnhealthyDies) {
  EXPECT_EQ(DeviceInfoNodeName("kube-system", "mindx-dl-deviceinfo-n3"), "n3");
  EXPECT_EQ(DeviceInfoNodeName("default", "mindx-dl-deviceinfo-n3"), "");
  EXPECT_EQ(DeviceInfoNodeName("kube-system", "other"), "");
  absl::StatusOr<topology::DieSet> dies =
      ParseUnhealthyDies(Pack(testing::MakeDeviceInfo("n3", "Ascend910-3,Ascend910-9"))->view());
  ASSERT_TRUE(dies.ok()) << dies.status();
  EXPECT_EQ(*dies, topology::DieSet::Of({3, 9}));
}

TEST(NodeInfoTest, MalformedDeviceInfoNamesTheField) {
  nlohmann::json cm = testing::MakeDeviceInfo("n3", "");
  cm["data"]["DeviceInfoCfg"] = "{not json";
  EXPECT_EQ(ParseUnhealthyDies(Pack(cm)->view()).status().code(),
            absl::StatusCode::kInvalidArgument);
  cm = testing::MakeDeviceInfo("n3", "GPU-1");
  absl::Status status = ParseUnhealthyDies(Pack(cm)->view()).status();
  EXPECT_NE(std::string(status.message()).find("huawei.com/Ascend910-Unhealthy"), std::string::npos)
      << status;
}

}  // namespace
}  // namespace flyover::sched
