#include "device-plugin/device_description.h"

#include <cstdio>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

TEST(DeviceDescriptionTest, DefaultIsA16DieNode) {
  NodeDescription node = DefaultNodeDescription();
  ASSERT_EQ(node.dies.size(), 16u);
  EXPECT_EQ(node.DieIds(), topology::DieSet::All());
  EXPECT_EQ(node.dies[5].chip, 2);
  EXPECT_EQ(node.dies[5].device_ip, "192.168.100.105");
  EXPECT_EQ(node.dies[5].hbm_bytes, topology::kHbmBytesPerDie);
  EXPECT_EQ(node.chip_name, "910C");
}

TEST(DeviceDescriptionTest, DecodesFields) {
  absl::StatusOr<NodeDescription> node = DecodeNodeDescription(nlohmann::json::parse(R"({
      "superPodId": 3, "serverIndex": 7, "hbmBytesPerDie": 1024,
      "dies": [{"id": 3, "chip": 1, "deviceIp": "10.0.0.3", "superDeviceId": 99},
               {"id": 2}]})"));
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->super_pod_id, 3);
  EXPECT_EQ(node->server_index, 7);
  ASSERT_EQ(node->dies.size(), 2u);
  EXPECT_EQ(node->dies[0].id, 2);  // sorted
  EXPECT_EQ(node->dies[1].device_ip, "10.0.0.3");
  EXPECT_EQ(node->dies[1].super_device_id, 99);
  EXPECT_EQ(node->dies[1].hbm_bytes, 1024);
  EXPECT_EQ(node->FindDie(4), nullptr);
}

TEST(DeviceDescriptionTest, RejectsBadFieldsByName) {
  struct Case {
    const char* json;
    const char* field;
  } cases[] = {
      {R"({"superPodId": -1})", "superPodId"},
      {R"({"hbmBytesPerDie": 0})", "hbmBytesPerDie"},
      {R"({"serverIndex": "7"})", "serverIndex"},
      {R"({"dies": {}})", "dies"},
      {R"({"dies": [{"id": 16}]})", "dies[0].id"},
      {R"({"dies": [{"chip": 0}]})", "dies[0].id"},
      {R"({"dies": [{"id": 1}, {"id": 1}]})", "dies[1].id"},
      {R"({"dies": [{"id": 3, "chip": 2}]})", "dies[0].chip"},
      {R"({"dies": [{"id": 3, "deviceIp": 7}]})", "dies[0].deviceIp"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<NodeDescription> node = DecodeNodeDescription(nlohmann::json::parse(c.json));
    EXPECT_EQ(node.status().code(), absl::StatusCode::kInvalidArgument) << c.json;
    EXPECT_THAT(node.status().message(), HasSubstr(c.field)) << c.json;
  }
}

TEST(DeviceDescriptionTest, ReadsYamlFile) {
  const std::string path = ::testing::TempDir() + "/flyover-node-description.yaml";
  std::ofstream(path) << "superPodId: 2\ndies:\n  - id: 0\n  - id: 1\n    deviceIp: 10.1.1.1\n";
  absl::StatusOr<NodeDescription> node = ReadNodeDescription(path);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ(node->super_pod_id, 2);
  EXPECT_EQ(node->DieIds(), topology::DieSet::Of({0, 1}));
  EXPECT_EQ(node->dies[1].device_ip, "10.1.1.1");
  std::remove(path.c_str());
  EXPECT_THAT(ReadNodeDescription(path).status().message(), HasSubstr(path));
}

}  // namespace
}  // namespace flyover::deviceplugin
