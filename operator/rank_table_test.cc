#include "operator/rank_table.h"

#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;

nlohmann::json BoundPod(const std::string& name, int rank, const std::string& node,
                        const std::string& devices, const std::string& ip = "") {
  nlohmann::json pod = {
      {"metadata",
       {{"name", name},
        {"annotations",
         {{"hccl/rankIndex", std::to_string(rank)}, {"huawei.com/Ascend910", devices}}}}},
      {"spec", {{"nodeName", node}}}};
  if (!ip.empty()) pod["status"]["podIP"] = ip;
  return pod;
}

RankTablePod Member(const nlohmann::json& pod, const nlohmann::json& node) {
  absl::StatusOr<std::optional<RankTablePod>> member = RankTablePodFrom(pod, node);
  EXPECT_TRUE(member.ok()) << member.status();
  EXPECT_TRUE(member->has_value());
  return **member;
}

TEST(RankTableTest, SuperPodNodesGiveVersion12WithSuperDeviceIds) {
  const nlohmann::json n1 = testing::NodeJson("n1", "10.0.0.1", "7", 0);
  const nlohmann::json n2 = testing::NodeJson("n2", "10.0.0.2", "7", 3);
  std::vector<RankTablePod> pods = {
      Member(BoundPod("j-1-g0", 1, "n2", "Ascend910-5,Ascend910-4", "10.1.0.2"), n2),
      Member(BoundPod("j-0-g0", 0, "n1", "Ascend910-0,Ascend910-1", "10.1.0.1"), n1)};
  absl::StatusOr<nlohmann::json> table = BuildRankTable(pods, 2, 2);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)["status"], "completed");
  EXPECT_EQ((*table)["version"], "1.2");
  EXPECT_EQ((*table)["server_count"], "2");
  const nlohmann::json& first = (*table)["server_list"][0];
  EXPECT_EQ(first["server_id"], "10.0.0.1");
  EXPECT_EQ(first["container_ip"], "10.1.0.1");
  EXPECT_EQ(first["device"][1], (nlohmann::json{{"device_id", "1"},
                                                {"device_ip", "192.168.100.101"},
                                                {"rank_id", "1"},
                                                {"super_device_id", "1"}}));
  const nlohmann::json& second = (*table)["server_list"][1];
  EXPECT_EQ(second["device"][0]["device_id"], "4");  // die order, not annotation order
  EXPECT_EQ(second["device"][0]["rank_id"], "2");
  EXPECT_EQ(second["device"][1]["super_device_id"], "53");  // server 3 x 16 + die 5
  EXPECT_EQ((*table)["super_pod_list"],
            (nlohmann::json::array(
                {{{"super_pod_id", "7"},
                  {"server_list", {{{"server_id", "10.0.0.1"}}, {{"server_id", "10.0.0.2"}}}}}})));
}

TEST(RankTableTest, PlainNodesGiveVersion10AndNodeIpWithoutPodIp) {
  const nlohmann::json node = testing::NodeJson("n1", "10.0.0.1", "", 0, /*super_pod_node=*/false);
  std::vector<RankTablePod> pods = {Member(BoundPod("j-0-g0", 0, "n1", "Ascend910-2"), node)};
  absl::StatusOr<nlohmann::json> table = BuildRankTable(pods, 1, 1);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)["version"], "1.0");
  EXPECT_FALSE(table->contains("super_pod_list"));
  EXPECT_EQ((*table)["server_list"][0]["container_ip"], "10.0.0.1");
  EXPECT_FALSE((*table)["server_list"][0]["device"][0].contains("super_device_id"));
}

TEST(RankTableTest, DevicePluginAnnotationOverridesDerivedAddresses) {
  const nlohmann::json node = testing::NodeJson("n1", "10.0.0.1", "1", 0);
  nlohmann::json pod = BoundPod("j-0-g0", 0, "n1", "Ascend910-0");
  pod["metadata"]["annotations"][kDeviceConfigAnnotation] =
      R"({"devices":[{"device_id":"0","device_ip":"172.16.0.9","super_device_id":"900"}]})";
  absl::StatusOr<nlohmann::json> table = BuildRankTable({Member(pod, node)}, 1, 1);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ((*table)["server_list"][0]["device"][0]["device_ip"], "172.16.0.9");
  EXPECT_EQ((*table)["server_list"][0]["device"][0]["super_device_id"], "900");
}

TEST(RankTableTest, UnboundOrUnannotatedPodsAreNotMembersYet) {
  const nlohmann::json node = testing::NodeJson("n1", "10.0.0.1", "1", 0);
  nlohmann::json unbound = BoundPod("p", 0, "", "Ascend910-0");
  nlohmann::json no_dies = BoundPod("p", 0, "n1", "");
  EXPECT_FALSE(RankTablePodFrom(unbound, node)->has_value());
  EXPECT_FALSE(RankTablePodFrom(no_dies, node)->has_value());
  EXPECT_THAT(RankTablePodFrom(BoundPod("p", 0, "n1", "Ascend910-99"), node).status().message(),
              HasSubstr("huawei.com/Ascend910"));
}

TEST(RankTableTest, MissingRankOrWrongDieCountIsRefused) {
  const nlohmann::json node = testing::NodeJson("n1", "10.0.0.1", "1", 0);
  std::vector<RankTablePod> only_one = {
      Member(BoundPod("a", 1, "n1", "Ascend910-0,Ascend910-1"), node)};
  EXPECT_THAT(BuildRankTable(only_one, 2, 2).status().message(), HasSubstr("want 2"));
  std::vector<RankTablePod> gap = {Member(BoundPod("a", 1, "n1", "Ascend910-0"), node)};
  EXPECT_THAT(BuildRankTable(gap, 1, 1).status().message(), HasSubstr("rank index 0 is missing"));
  std::vector<RankTablePod> short_dies = {Member(BoundPod("a", 0, "n1", "Ascend910-0"), node)};
  EXPECT_THAT(BuildRankTable(short_dies, 1, 2).status().message(), HasSubstr("want 2"));
}

TEST(RankTableTest, InitializingTableSaysSo) {
  EXPECT_EQ(InitializingRankTable()["status"], "initializing");
}

}  // namespace
}  // namespace flyover::op
