#include "device-plugin/fault_publisher.h"

#include "common/fake_clock.h"
#include "device-plugin/emulated_npu_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/controller/event_sink.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

nlohmann::json DeviceList(const nlohmann::json& config_map) {
  return nlohmann::json::parse(
      config_map["data"]["DeviceInfoCfg"].get<std::string>())["DeviceInfo"]["DeviceList"];
}

class FaultPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto recorder = kube::SinkEventRecorder::Create(
        &sink_, {.component = "flyover-device-plugin", .host = "node-1", .clock = &clock_});
    ASSERT_TRUE(recorder.ok());
    recorder_ = std::move(*recorder);
    publisher_ = std::make_unique<FaultPublisher>(&source_, rest_.get(), recorder_.get(), &clock_,
                                                  FaultPublisherOptions{.node_name = "node-1"});
  }
  std::optional<nlohmann::json> ConfigMap() {
    return api_.Get(kube::ConfigMapsResource(), "kube-system", "mindx-dl-deviceinfo-node-1");
  }
  std::vector<nlohmann::json> Events() {
    EXPECT_TRUE(recorder_->Flush(absl::Seconds(10)));
    return api_.List(kube::EventsResource());
  }

  FakeClock clock_;
  EmulatedNpuSource source_{DefaultNodeDescription(), &clock_};
  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> rest_ = api_.NewClient();
  kube::RestEventSink sink_{rest_.get()};
  std::unique_ptr<kube::SinkEventRecorder> recorder_;
  std::unique_ptr<FaultPublisher> publisher_;
};

TEST_F(FaultPublisherTest, HealthyNodeListsAllDies) {
  ASSERT_TRUE(publisher_->PublishOnce().ok());
  std::optional<nlohmann::json> config_map = ConfigMap();
  ASSERT_TRUE(config_map.has_value());
  nlohmann::json list = DeviceList(*config_map);
  EXPECT_THAT(list["huawei.com/Ascend910"].get<std::string>(), HasSubstr("Ascend910-15"));
  EXPECT_EQ(list["huawei.com/Ascend910-Unhealthy"], "");
  EXPECT_EQ(list["huawei.com/Ascend910-Fault"], "[]");
  EXPECT_EQ((*config_map)["data"]["SuperPodID"], "0");
  EXPECT_TRUE(Events().empty());
}

// CheckCode is the hex SHA-256 of the object's compact JSON: {"a":1} hashes as those 7 bytes.
TEST(DeviceInfoCheckCodeTest, IsTheSha256OfTheCompactJson) {
  EXPECT_EQ(DeviceInfoCheckCode(nlohmann::json::parse(R"({ "a" : 1 })")),
            "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862");
}

TEST_F(FaultPublisherTest, CheckCodeCoversTheDeviceInfoAndChangesWithIt) {
  ASSERT_TRUE(publisher_->PublishOnce().ok());
  nlohmann::json healthy =
      nlohmann::json::parse((*ConfigMap())["data"]["DeviceInfoCfg"].get<std::string>());
  EXPECT_EQ(healthy["CheckCode"], DeviceInfoCheckCode(healthy["DeviceInfo"]));
  EXPECT_EQ(healthy["CheckCode"].get<std::string>().size(), 64u);
  ASSERT_TRUE(source_.InjectFault(3, FaultKind::kLinkDown).ok());
  ASSERT_TRUE(publisher_->PublishOnce().ok());
  nlohmann::json faulty =
      nlohmann::json::parse((*ConfigMap())["data"]["DeviceInfoCfg"].get<std::string>());
  EXPECT_EQ(faulty["CheckCode"], DeviceInfoCheckCode(faulty["DeviceInfo"]));
  EXPECT_NE(faulty["CheckCode"], healthy["CheckCode"]);
}

TEST_F(FaultPublisherTest, FaultShowsInConfigMapAndEventsThenRecovers) {
  ASSERT_TRUE(publisher_->PublishOnce().ok());
  ASSERT_TRUE(source_.InjectFault(3, FaultKind::kHbmEccDoubleBit).ok());
  ASSERT_TRUE(source_.InjectFault(9, FaultKind::kLinkDown).ok());
  ASSERT_TRUE(publisher_->PublishOnce().ok());
  nlohmann::json list = DeviceList(*ConfigMap());
  EXPECT_EQ(list["huawei.com/Ascend910-Unhealthy"], "Ascend910-3,Ascend910-9");
  EXPECT_EQ(list["huawei.com/Ascend910-NetworkUnhealthy"], "Ascend910-9");
  nlohmann::json faults = nlohmann::json::parse(list["huawei.com/Ascend910-Fault"].get<std::string>());
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0]["npu_name"], "Ascend910-3");
  EXPECT_EQ(faults[0]["fault_type"], "CardUnhealthy");
  EXPECT_EQ(faults[0]["fault_code"], "80E18402");
  EXPECT_EQ(faults[0]["fault_handling"], "RestartNPU");
  EXPECT_EQ(faults[1]["fault_type"], "CardNetworkUnhealthy");
  EXPECT_EQ(faults[1]["fault_time_and_level_map"]["81078603"]["fault_level"], "PreSeparateNPU");

  std::vector<nlohmann::json> events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["reason"], "Occur");
  EXPECT_EQ(events[0]["type"], "Warning");
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Node");
  EXPECT_THAT(events[0]["message"].get<std::string>(),
              HasSubstr("deviceID:3, faultCodes:80E18402, faultLevelName:RestartNPU"));

  ASSERT_TRUE(source_.Recover(3).ok());
  ASSERT_TRUE(publisher_->PublishOnce().ok());
  EXPECT_EQ(DeviceList(*ConfigMap())["huawei.com/Ascend910-Unhealthy"], "Ascend910-9");
  events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2]["reason"], "Recovery");
  EXPECT_EQ(events[2]["type"], "Normal");
}

TEST_F(FaultPublisherTest, BackgroundLoopPublishesChangesAndRetriesFailures) {
  api_.FailNext({.verb = "create", .resource = "configmaps"}, 500);
  publisher_->Start();
  ASSERT_TRUE(api_.WaitForActions({.verb = "create", .resource = "configmaps"}, 2));
  ASSERT_TRUE(source_.InjectFault(0, FaultKind::kChipHang).ok());
  ASSERT_TRUE(api_.WaitForActions({.verb = "update", .resource = "configmaps"}, 1));
  publisher_->Stop();
  EXPECT_EQ(DeviceList(*ConfigMap())["huawei.com/Ascend910-Unhealthy"],
            "Ascend910-0,Ascend910-1");
}

TEST(DiffFaultsTest, ReportsAppearedAndClearedFaults) {
  const ActiveFault hang{FaultKind::kChipHang, "80C98009", FaultLevel::kRestartNPU, {}};
  std::vector<DieStatus> before = {{.die = 0, .faults = {hang}}, {.die = 1}};
  std::vector<DieStatus> after = {{.die = 0}, {.die = 1, .faults = {hang}}};
  std::vector<FaultChange> changes = DiffFaults(before, after);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].die, 1);
  EXPECT_TRUE(changes[0].occurred);
  EXPECT_EQ(changes[1].die, 0);
  EXPECT_FALSE(changes[1].occurred);
  EXPECT_TRUE(DiffFaults(after, after).empty());
}

}  // namespace
}  // namespace flyover::deviceplugin
