#include "nodesim/node_object.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

using ::testing::Contains;
using ::testing::Pair;

const SimNodeSpec kSpec{.name = "sp1-node05", .super_pod_id = 1, .rack_id = 1, .server_id = 5};
const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

TEST(BuildNode, CarriesTheAscendLabels) {
  kube::core::Node node = BuildNode(kSpec, {}, kNow);
  EXPECT_EQ(node.metadata.name, "sp1-node05");
  EXPECT_THAT(node.metadata.labels, Contains(Pair("accelerator", "huawei-Ascend910")));
  EXPECT_THAT(node.metadata.labels, Contains(Pair("accelerator-type", "module-a3-16-super-pod")));
  EXPECT_THAT(node.metadata.labels, Contains(Pair("node.kubernetes.io/npu.chip.name", "910C")));
  EXPECT_THAT(node.metadata.labels, Contains(Pair("huawei.com/topotree.superpodid", "1")));
  EXPECT_THAT(node.metadata.labels, Contains(Pair("huawei.com/topotree.rackid", "1")));
  EXPECT_THAT(node.metadata.labels, Contains(Pair("huawei.com/topotree.serverid", "5")));
  EXPECT_THAT(node.metadata.labels, Contains(Pair(kLabelNodesimMode, "simulated")));
}

TEST(BuildNode, DeviceManagerCountsReplaceTheStaticDies) {
  NodeObjectOptions options{.device_counts = [](const std::string& node) {
    return node == "sp1-node05" ? ResourceCountMap{{"huawei.com/Ascend910", {16, 15}}}
                                : ResourceCountMap{};
  }};
  kube::core::Node node = BuildNode(kSpec, options, kNow);
  EXPECT_THAT(node.status.capacity, Contains(Pair("huawei.com/Ascend910", "16")));
  EXPECT_THAT(node.status.allocatable, Contains(Pair("huawei.com/Ascend910", "15")));
  nlohmann::json patch = NodeStatusPatch(node, kSpec, options, kNow);
  EXPECT_EQ(patch["status"]["allocatable"]["huawei.com/Ascend910"], "15");
  EXPECT_EQ(patch["status"]["allocatable"]["cpu"], "192");
  SimNodeSpec other = kSpec;
  other.name = "sp1-node06";
  EXPECT_EQ(NodeStatusPatch(node, other, options, kNow)["status"]["allocatable"]
                           ["huawei.com/Ascend910"],
            "16");
}

TEST(BuildNode, AdvertisesSixteenDiesAndTheKubeletEndpoint) {
  kube::core::Node node = BuildNode(kSpec, {.kubelet_port = 31234}, kNow);
  EXPECT_THAT(node.status.capacity, Contains(Pair("huawei.com/Ascend910", "16")));
  EXPECT_THAT(node.status.allocatable, Contains(Pair("huawei.com/Ascend910", "16")));
  EXPECT_THAT(node.status.allocatable, Contains(Pair("pods", "110")));
  EXPECT_EQ(kube::core::NodeAddressOf(node, "InternalIP"), "127.0.0.1");
  EXPECT_EQ(node.status.rest["daemonEndpoints"]["kubeletEndpoint"]["Port"], 31234);
  EXPECT_TRUE(kube::core::IsReady(node));
  for (const char* type : {"MemoryPressure", "DiskPressure", "PIDPressure"}) {
    const kube::core::NodeCondition* c = kube::core::FindNodeCondition(node.status, type);
    ASSERT_NE(c, nullptr) << type;
    EXPECT_EQ(c->status, kube::ConditionStatus::kFalse);
    EXPECT_EQ(c->last_heartbeat_time, kNow);
  }
}

TEST(NodeStatusPatch, MovesHeartbeatsButKeepsTransitionTimes) {
  kube::core::Node node = BuildNode(kSpec, {}, kNow);
  absl::Time later = kNow + absl::Minutes(5);
  nlohmann::json patch = NodeStatusPatch(node, kSpec, {}, later);
  for (const nlohmann::json& c : patch["status"]["conditions"]) {
    EXPECT_EQ(c["lastHeartbeatTime"], kube::FormatKubeTime(later)) << c.dump();
    EXPECT_EQ(c["lastTransitionTime"], kube::FormatKubeTime(kNow)) << c.dump();
  }
  // A condition whose status changes gets a new transition time.
  node.status.conditions.back().status = kube::ConditionStatus::kFalse;
  patch = NodeStatusPatch(node, kSpec, {}, later);
  EXPECT_EQ(patch["status"]["conditions"].back()["type"], "Ready");
  EXPECT_EQ(patch["status"]["conditions"].back()["lastTransitionTime"],
            kube::FormatKubeTime(later));
}

TEST(BuildLease, IsHeldAndOwnedByTheNode) {
  kube::core::Lease lease = BuildLease("sp0-node00", "uid-1", {}, kNow);
  EXPECT_EQ(lease.metadata.namespace_, "kube-node-lease");
  EXPECT_EQ(lease.spec.holder_identity, "sp0-node00");
  EXPECT_EQ(lease.spec.lease_duration_seconds, 40);
  EXPECT_EQ(lease.spec.renew_time, kNow);
  ASSERT_EQ(lease.metadata.owner_references.size(), 1u);
  EXPECT_EQ(lease.metadata.owner_references[0].uid, "uid-1");
}

TEST(LeaseRenewPatch, WritesMicroTime) {
  EXPECT_EQ(LeaseRenewPatch(kNow + absl::Microseconds(1500))["spec"]["renewTime"],
            "2023-11-14T22:13:20.001500Z");
}

}  // namespace
}  // namespace flyover::nodesim
