// ProcessPodRuntime with a device allocator (a fake standing in for NodeDevices): the
// plugins' env reaches the process, a failed allocation fails the pod as the kubelet's
// admission does, and devices are released once the pod has terminated or is gone.
#include <fstream>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/log_format.h"
#include "nodesim/process_pod_runtime.h"

namespace flyover::nodesim {
namespace {

using kube::PodsResource;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const SimNodeSpec kNode{.name = "sp0-node00", .mode = PodMode::kProcess};

class FakeAllocator final : public PodDeviceAllocator {
 public:
  absl::StatusOr<PodDevices> Allocate(const kube::core::Pod& pod) override {
    absl::MutexLock lock(&mu_);
    if (!error_.ok()) return error_;
    ContainerDevices main{.container = "main",
                          .device_ids = {{"huawei.com/Ascend910", {"Ascend910-0", "Ascend910-1"}}},
                          .envs = {{"ASCEND_VISIBLE_DEVICES", "0,1"}}};
    return PodDevices{.uid = pod.metadata.uid, .containers = {main}};
  }
  void Release(const std::string& pod_key) override {
    absl::MutexLock lock(&mu_);
    released_.push_back(pod_key);
  }
  void Fail(absl::Status error) {
    absl::MutexLock lock(&mu_);
    error_ = std::move(error);
  }
  std::vector<std::string> released() {
    absl::MutexLock lock(&mu_);
    return released_;
  }

 private:
  absl::Mutex mu_;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> released_ ABSL_GUARDED_BY(mu_);
};

json NpuPod(const std::string& name, const std::string& script) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "ml"}}},
          {"spec",
           {{"nodeName", kNode.name},
            {"restartPolicy", "Never"},
            {"containers",
             {{{"name", "main"},
               {"command", {"/bin/sh", "-c", script}},
               {"resources", {{"limits", {{"huawei.com/Ascend910", "2"}}}}}}}}}}};
}

class DeviceProcessTest : public ::testing::Test {
 protected:
  kube::core::Pod Create(const json& object) {
    return kube::core::DecodePod(api_.Create(PodsResource(), object).value()).value();
  }
  absl::Status Sync(const kube::core::Pod& pod) {
    return runtime_.Sync("ml/" + pod.metadata.name, pod, {&kNode, 0}).status();
  }
  // Waits (real time) for the pod's phase to become `phase`; the pod as the API has it.
  kube::core::Pod WaitForPhase(const std::string& name, const std::string& phase) {
    json object;
    for (absl::Time deadline = absl::Now() + absl::Seconds(20); absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(5))) {
      object = api_.Get(PodsResource(), "ml", name).value_or(json::object());
      if (object.value("status", json::object()).value("phase", "") == phase) break;
    }
    EXPECT_EQ(object["status"]["phase"], phase) << object.dump();
    return kube::core::DecodePod(object).value_or(kube::core::Pod());
  }
  std::string Log(const std::string& name) {
    absl::StatusOr<ContainerLogRef> ref = runtime_.ContainerLog("ml/" + name, "main", false);
    if (!ref.ok()) return std::string(ref.status().message());
    std::ifstream in(ref->path);
    std::string text, line;
    while (std::getline(in, line)) text += ParseLogLine(line).value_or(LogLine{}).text + "\n";
    return text;
  }

  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  kube::testing::TempDir dir_;
  ApiObjectSource source_{client_.get()};
  FakeAllocator devices_;
  ProcessPodRuntime runtime_{
      client_.get(), &source_, {.data_dir = dir_.path(), .devices = &devices_}};
};

TEST_F(DeviceProcessTest, DeviceEnvReachesTheProcessAndIsReleasedAfterItEnds) {
  kube::core::Pod pod = Create(NpuPod("npu", "echo visible=$ASCEND_VISIBLE_DEVICES"));
  ASSERT_TRUE(Sync(pod).ok());
  kube::core::Pod done = WaitForPhase("npu", "Succeeded");
  EXPECT_EQ(Log("npu"), "visible=0,1\n");
  EXPECT_TRUE(devices_.released().empty());
  ASSERT_TRUE(Sync(done).ok());  // the terminal pod's sync frees its devices
  EXPECT_THAT(devices_.released(), ElementsAre("ml/npu"));
  runtime_.Forget("ml/npu");
  EXPECT_THAT(devices_.released(), ElementsAre("ml/npu", "ml/npu"));
}

TEST_F(DeviceProcessTest, FailedAllocationFailsThePodWithoutStartingIt) {
  devices_.Fail(absl::FailedPreconditionError(
      "pod ml/short: container main: huawei.com/Ascend910: requested 2 devices, 1 healthy and "
      "free"));
  kube::core::Pod pod = Create(NpuPod("short", "echo started"));
  ASSERT_TRUE(Sync(pod).ok());
  kube::core::Pod failed = WaitForPhase("short", "Failed");
  EXPECT_EQ(failed.status.rest.value("reason", ""), "UnexpectedAdmissionError");
  EXPECT_THAT(failed.status.rest.value("message", ""),
              HasSubstr("Pod was rejected: pod ml/short: container main: huawei.com/Ascend910: "
                        "requested 2 devices"));
  EXPECT_THAT(Log("short"), HasSubstr("not running"));
}

}  // namespace
}  // namespace flyover::nodesim
