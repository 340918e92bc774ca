// Device faults from the device plugin's reports (device_health.h): parsing the ConfigMap,
// the informer handler, and the reconciler recording a DeviceFault and recovering at
// ReschedulePod.
#include "operator/device_health.h"

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/cache/testing/fake_informer.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/client/resource.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "operator/job_reconciler.h"
#include "operator/operator_app.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1795000000);

// A ConfigMap as the device plugin writes it (device-plugin/fault_publisher.h), with `die`
// unhealthy since `since` (no die: all healthy).
nlohmann::json DeviceInfo(const std::string& node, std::optional<int> die,
                          absl::Time since = kNow, const std::string& name_prefix =
                                                           "mindx-dl-deviceinfo-") {
  nlohmann::json faults = nlohmann::json::array();
  std::string unhealthy;
  if (die.has_value()) {
    unhealthy = "Ascend910-" + std::to_string(*die);
    faults.push_back({{"fault_type", "CardUnhealthy"},
                      {"npu_name", unhealthy},
                      {"fault_level", "RestartNPU"},
                      {"fault_code", "80E18402"},
                      {"fault_time_and_level_map",
                       {{"80E18402",
                         {{"fault_time", absl::ToUnixMillis(since)},
                          {"fault_level", "RestartNPU"}}}}}});
  }
  const nlohmann::json cfg = {
      {"DeviceInfo",
       {{"DeviceList",
         {{"huawei.com/Ascend910", "Ascend910-0,Ascend910-2"},
          {"huawei.com/Ascend910-Unhealthy", unhealthy},
          {"huawei.com/Ascend910-NetworkUnhealthy", ""},
          {"huawei.com/Ascend910-Fault", faults.dump()}}},
        {"UpdateTime", absl::ToUnixSeconds(since)}}}};
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name_prefix + node}, {"namespace", "kube-system"}}},
          {"data", {{"DeviceInfoCfg", cfg.dump()}, {"SuperPodID", "0"}, {"ServerIndex", "0"}}}};
}

TEST(DeviceHealthTest, ParsesUnhealthyDiesAndWhenTheirFaultsBegan) {
  absl::StatusOr<NodeDeviceReport> report =
      ParseDeviceInfo(DeviceInfo("n1", 3, kNow - absl::Milliseconds(1500)));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->node, "n1");
  EXPECT_THAT(report->unhealthy, ElementsAre("Ascend910-3"));
  ASSERT_TRUE(report->faults.contains("Ascend910-3"));
  EXPECT_EQ(report->faults["Ascend910-3"].codes, "80E18402");
  EXPECT_EQ(report->faults["Ascend910-3"].since, kNow - absl::Milliseconds(1500));

  EXPECT_TRUE(absl::IsNotFound(ParseDeviceInfo(DeviceInfo("n1", 3, kNow, "other-")).status()));
  nlohmann::json broken = DeviceInfo("n1", 3);
  broken["data"]["DeviceInfoCfg"] = "{not json";
  absl::Status status = ParseDeviceInfo(broken).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_THAT(status.message(), HasSubstr("data.DeviceInfoCfg"));
}

TEST(DeviceHealthTest, DeviceFaultsNameThePodNodeRankAndDie) {
  DeviceHealth health;
  EXPECT_TRUE(health.Update(*ParseDeviceInfo(DeviceInfo("n1", 3, kNow - absl::Seconds(2)))));
  EXPECT_FALSE(health.Update(*ParseDeviceInfo(DeviceInfo("n1", 3, kNow - absl::Seconds(2)))));
  const nlohmann::json pod = {
      {"metadata",
       {{"name", "tiny-1-g0"}, {"annotations", {{"huawei.com/Ascend910", "Ascend910-2,Ascend910-3"}}}}},
      {"spec", {{"nodeName", "n1"}}}};
  const nlohmann::json elsewhere = {
      {"metadata",
       {{"name", "tiny-0-g0"}, {"annotations", {{"huawei.com/Ascend910", "Ascend910-3"}}}}},
      {"spec", {{"nodeName", "n2"}}}};
  std::vector<kube::FaultRecord> faults = DeviceFaults({{0, elsewhere}, {1, pod}}, 2, health, kNow);
  ASSERT_THAT(faults, SizeIs(1));
  EXPECT_EQ(faults[0].fault_class, "DeviceFault");
  EXPECT_EQ(faults[0].pod, "tiny-1-g0");
  EXPECT_EQ(faults[0].node, "n1");
  EXPECT_EQ(faults[0].rank, 3);  // rank index 1 x 2 dies + position 1
  EXPECT_EQ(faults[0].detection_millis, 2000);
  EXPECT_THAT(faults[0].message, HasSubstr("die Ascend910-3 on node n1"));
  EXPECT_TRUE(health.Update(*ParseDeviceInfo(DeviceInfo("n1", std::nullopt))));
  EXPECT_THAT(DeviceFaults({{1, pod}}, 2, health, kNow), IsEmpty());
}

TEST(DeviceHealthTest, TheHandlerFollowsReportsInKubeSystemAndIgnoresOtherConfigMaps) {
  FakeClock clock(kNow);
  kube::FakeInformer informer(&clock, {.resource = "configmaps"});
  DeviceHealth health;
  std::atomic<int> changes{0};
  informer.informer().AddEventHandler(DeviceInfoHandler(&health, [&changes] { ++changes; }));
  ASSERT_TRUE(informer.Start().ok());
  ASSERT_TRUE(informer.Create(DeviceInfo("n1", std::nullopt)).ok());
  ASSERT_TRUE(informer.Create(DeviceInfo("n1", 4, kNow, "unrelated-")).ok());
  ASSERT_TRUE(informer.WaitForHandlers());
  EXPECT_EQ(changes.load(), 0);
  ASSERT_TRUE(health.Node("n1").has_value());
  EXPECT_THAT(health.Node("n1")->unhealthy, IsEmpty());  // "unrelated-n1" was ignored

  ASSERT_TRUE(informer.Update(DeviceInfo("n1", 5)).ok());
  ASSERT_TRUE(informer.WaitForHandlers());
  EXPECT_EQ(changes.load(), 1);
  EXPECT_THAT(health.Node("n1")->unhealthy, ElementsAre("Ascend910-5"));
  ASSERT_TRUE(informer.Delete("kube-system/mindx-dl-deviceinfo-n1").ok());
  ASSERT_TRUE(informer.WaitForHandlers());
  EXPECT_EQ(changes.load(), 2);
  EXPECT_FALSE(health.Node("n1").has_value());
}

TEST(DeviceHealthTest, AnUnhealthyDieOfARunningPodIsRescheduled) {
  kube::testing::FakeApiServer api;
  std::unique_ptr<kube::RestClient> client = api.NewClient();
  FakeClock clock(kNow);
  SupervisionRegistry registry(&clock);
  kube::FakeEventRecorder events;
  DeviceHealth health;
  JobReconciler reconciler(client.get(), &registry, &events, nullptr,
                           {.pods = {.supervision_url = "http://op:9443"},
                            .device_health = &health,
                            .clock = &clock});
  for (const char* node : {"n1", "n2"}) {
    ASSERT_TRUE(api.Create(kube::NodesResource(),
                           testing::NodeJson(node, std::string("10.0.0.") + node[1], "0",
                                             node[1] - '1'))
                    .ok());
  }
  ASSERT_TRUE(api.Create(kube::PostTrainingJobsResource(), testing::JobJson("tiny")).ok());
  auto reconcile = [&] { ASSERT_TRUE(reconciler.Reconcile("default/tiny").ok()); };
  auto job = [&] {
    kube::ErrorList errors;
    return kube::DecodePostTrainingJob(
        api.Get(kube::PostTrainingJobsResource(), "default", "tiny").value(), &errors);
  };
  reconcile();
  ASSERT_TRUE(testing::BindPod(*client, "default", "tiny-0-g0", "n1", {0, 1}).ok());
  ASSERT_TRUE(testing::BindPod(*client, "default", "tiny-1-g0", "n2", {0, 1}).ok());
  reconcile();
  ASSERT_EQ(job().status.phase, kube::JobPhase::kRunning);

  health.Update(*ParseDeviceInfo(DeviceInfo("n1", 7)));  // a die no pod holds
  reconcile();
  EXPECT_THAT(job().status.faults, IsEmpty());
  health.Update(*ParseDeviceInfo(DeviceInfo("n2", 1, kNow - absl::Milliseconds(800))));
  reconcile();
  kube::PostTrainingJob faulty = job();
  ASSERT_THAT(faulty.status.faults, SizeIs(1));
  const kube::FaultRecord& fault = faulty.status.faults[0];
  EXPECT_EQ(fault.fault_class, "DeviceFault");
  EXPECT_EQ(fault.pod, "tiny-1-g0");
  EXPECT_EQ(fault.node, "n2");
  EXPECT_EQ(fault.rank, 3);
  EXPECT_EQ(fault.detection_millis, 800);
  EXPECT_EQ(events.CountReason("FaultDetected"), 1);

  clock.Advance(absl::Seconds(1));  // backoff.initialSeconds
  reconcile();
  faulty = job();
  EXPECT_EQ(faulty.status.faults[0].recovery_level, kube::RecoveryLevel::kReschedulePod);
  EXPECT_EQ(faulty.status.restarts.reschedule_pod, 1);
  EXPECT_TRUE(api.Get(kube::PodsResource(), "default", "tiny-1-g1").has_value());
}

// Polls `condition` (real time) until it holds or `timeout` passes.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return condition();
}

// OperatorApp's informer on kube-system's ConfigMaps: a report enqueues the job at once
// (the running resync is an hour here), and the reconcile records the DeviceFault.
TEST(DeviceHealthTest, OperatorAppTurnsADeviceReportIntoAFaultWithoutWaitingForAResync) {
  kube::testing::FakeApiServer api;
  std::unique_ptr<kube::RestClient> client = api.NewClient();
  ASSERT_TRUE(api.Create(kube::NodesResource(), testing::NodeJson("n1", "10.0.0.1", "0", 0)).ok());
  ASSERT_TRUE(api.Create(kube::NodesResource(), testing::NodeJson("n2", "10.0.0.2", "0", 1)).ok());
  absl::StatusOr<std::unique_ptr<OperatorApp>> app = OperatorApp::Create(
      client.get(), {.supervision = {.bind_address = "127.0.0.1"},
                     .serve_metrics = false,
                     .reconciler = {.running_resync = absl::Hours(1)}});
  ASSERT_TRUE(app.ok()) << app.status();
  kube::StopSignal stop;
  absl::Status run_status;
  std::thread runner([&] { run_status = (*app)->Run(&stop); });
  auto job = [&] {
    std::optional<nlohmann::json> raw = api.Get(kube::PostTrainingJobsResource(), "default", "tiny");
    kube::ErrorList errors;
    return raw.has_value() ? kube::DecodePostTrainingJob(*raw, &errors) : kube::PostTrainingJob{};
  };
  ASSERT_TRUE(api.Create(kube::PostTrainingJobsResource(), testing::JobJson("tiny")).ok());
  EXPECT_TRUE(Eventually([&] {
    return api.Get(kube::PodsResource(), "default", "tiny-1-g0").has_value() &&
           api.Get(kube::PodsResource(), "default", "tiny-0-g0").has_value();
  }));
  ASSERT_TRUE(testing::BindPod(*client, "default", "tiny-0-g0", "n1", {0, 1}).ok());
  ASSERT_TRUE(testing::BindPod(*client, "default", "tiny-1-g0", "n2", {0, 1}).ok());
  EXPECT_TRUE(Eventually([&] { return job().status.phase == kube::JobPhase::kRunning; }));
  // Let the reconciles that the job's own writes cause finish: the queue stays empty and
  // idle for 250 ms, so only the device report can bring the job back.
  const prometheus::Registry& metrics = *(*app)->metrics_registry();
  const std::map<std::string, std::string> queue = {{"name", "posttrainingjob"}};
  std::optional<double> adds;
  int quiet_polls = 0;
  EXPECT_TRUE(Eventually([&] {
    const std::optional<double> now = kube::MetricValue(metrics, "flyover_workqueue_adds_total", queue);
    const bool idle =
        kube::MetricValue(metrics, "flyover_workqueue_depth", queue) == 0 &&
        kube::MetricValue(metrics, "flyover_controller_active_workers",
                          {{"controller", "posttrainingjob"}}) == 0;
    quiet_polls = idle && now == adds ? quiet_polls + 1 : 0;
    adds = now;
    return quiet_polls >= 12;
  }));

  ASSERT_TRUE(api.Create(kube::ConfigMapsResource(), DeviceInfo("n2", 1)).ok());
  EXPECT_TRUE(Eventually([&] {
    const std::vector<kube::FaultRecord> faults = job().status.faults;
    return !faults.empty() && faults[0].fault_class == "DeviceFault" &&
           faults[0].pod == "tiny-1-g0" && faults[0].node == "n2";
  })) << "no DeviceFault in status";
  stop.Stop();
  runner.join();
  EXPECT_TRUE(run_status.ok()) << run_status;
}

}  // namespace
}  // namespace flyover::op
