// End to end: nodesim's per-node device manager plays the kubelet toward the real
// flyover-device-plugin (NpuDevicePlugin + PluginServer over an emulated 910C node), in one
// process, over real gRPC on unix sockets: registration, 16 healthy dies become allocatable
// 16, an injected fault takes allocatable to 15 within 1 s, and Allocate hands a pod's
// container ASCEND_VISIBLE_DEVICES (the plugin's topology pick, or the scheduler's
// annotation when the pod carries one). The counts reach the Node's status through
// DeviceNodeStatus, over a fake API server.
#include <stdlib.h>

#include <filesystem>
#include <iostream>

#include "absl/time/clock.h"
#include "common/fake_clock.h"
#include "device-plugin/emulated_npu_source.h"
#include "device-plugin/npu_plugin.h"
#include "device-plugin/plugin_server.h"
#include "device-plugin/pod_lookup.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/device_manager.h"
#include "nodesim/device_node_status.h"

namespace flyover {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kNpu[] = "huawei.com/Ascend910";
constexpr char kNode[] = "sp0-node00";

kube::core::Pod NpuPod(const std::string& name, int dies) {
  kube::core::Pod pod;
  pod.metadata.namespace_ = "ml";
  pod.metadata.name = name;
  pod.metadata.uid = "uid-" + name;
  pod.spec.node_name = kNode;
  kube::core::Container worker;
  worker.name = "worker";
  worker.resources.limits = {{kNpu, std::to_string(dies)}, {"cpu", "8"}};
  pod.spec.containers.push_back(worker);
  return pod;
}

class NodesimDevicePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/flyover-nsdp-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    data_dir_ = dir_template;
    nlohmann::json node = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", kNode}}}};
    ASSERT_TRUE(api_.Create(kube::NodesResource(), node).ok());
    node_status_.Start();
    auto manager = nodesim::DeviceManager::Start(
        {.node_name = kNode,
         .device_plugin_dir = data_dir_ + "/device-plugins/" + kNode,
         .expected_resources = {kNpu},
         .on_resources = [this](const nodesim::ResourceCountMap& counts) {
           node_status_.Update(kNode, counts);
         }});
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
    server_ = std::make_unique<deviceplugin::PluginServer>(
        &plugin_,
        deviceplugin::PluginServerOptions{.device_plugin_dir = manager_->device_plugin_dir(),
                                          .check_interval = absl::Milliseconds(50)});
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Stop();
    manager_->Shutdown();
    node_status_.Stop();
    std::filesystem::remove_all(data_dir_);
  }

  bool WaitForNpus(int64_t capacity, int64_t allocatable, absl::Duration timeout) {
    return manager_->WaitForResources(
        [&](const nodesim::ResourceCountMap& counts) {
          auto it = counts.find(kNpu);
          return it != counts.end() && it->second == nodesim::ResourceCounts{capacity, allocatable};
        },
        timeout);
  }

  std::string data_dir_;
  FakeClock clock_;
  deviceplugin::EmulatedNpuSource source_{deviceplugin::DefaultNodeDescription(), &clock_};
  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> rest_ = api_.NewClient();
  deviceplugin::ApiPodLookup lookup_{rest_.get(), kNode};
  deviceplugin::NpuDevicePlugin plugin_{&source_, &lookup_, {.device_dir = "/run/flyover/npu"}};
  nodesim::DeviceNodeStatus node_status_{rest_.get(), {}};
  std::unique_ptr<nodesim::DeviceManager> manager_;
  std::unique_ptr<deviceplugin::PluginServer> server_;
};

TEST_F(NodesimDevicePluginTest, RegistrationListsSixteenHealthyDiesAsAllocatable) {
  ASSERT_TRUE(WaitForNpus(16, 16, absl::Seconds(5)));
  EXPECT_GE(server_->registrations(), 1);
  EXPECT_TRUE(std::filesystem::exists(manager_->socket_path()));
  EXPECT_EQ(manager_->socket_path(), data_dir_ + "/device-plugins/sp0-node00/kubelet.sock");
}

TEST_F(NodesimDevicePluginTest, InjectedFaultLowersAllocatableWithinOneSecond) {
  ASSERT_TRUE(WaitForNpus(16, 16, absl::Seconds(5)));
  const absl::Time injected = absl::Now();
  ASSERT_TRUE(source_.InjectFault(5, deviceplugin::FaultKind::kHbmEccDoubleBit).ok());
  ASSERT_TRUE(WaitForNpus(16, 15, absl::Seconds(1)));
  const absl::Duration latency = absl::Now() - injected;
  EXPECT_LT(latency, absl::Seconds(1));
  std::cout << "fault to allocatable 15: " << absl::FormatDuration(latency) << "\n";
  // ... and on to the Node's status, as the scheduler sees it.
  ASSERT_TRUE(node_status_.WaitForWritten(kNode, {{kNpu, {16, 15}}}, absl::Seconds(1)));
  const absl::Duration node_latency = absl::Now() - injected;
  EXPECT_LT(node_latency, absl::Seconds(1));
  std::cout << "fault to Node allocatable 15: " << absl::FormatDuration(node_latency) << "\n";
  std::optional<nlohmann::json> node = api_.Get(kube::NodesResource(), "", kNode);
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ((*node)["status"]["allocatable"][kNpu], "15");
  EXPECT_EQ((*node)["status"]["capacity"][kNpu], "16");
  ASSERT_TRUE(source_.Recover(5).ok());
  ASSERT_TRUE(WaitForNpus(16, 16, absl::Seconds(1)));
}

TEST_F(NodesimDevicePluginTest, AllocateGivesThePodsContainerItsDies) {
  ASSERT_TRUE(WaitForNpus(16, 16, absl::Seconds(5)));
  ASSERT_TRUE(source_.InjectFault(1, deviceplugin::FaultKind::kHbmEccDoubleBit).ok());
  ASSERT_TRUE(WaitForNpus(16, 15, absl::Seconds(1)));

  // No annotation: the plugin's preferred pick, a whole healthy chip (dies 2 and 3).
  absl::StatusOr<nodesim::PodDevices> held = manager_->Allocate(NpuPod("w-0", 2));
  ASSERT_TRUE(held.ok()) << held.status();
  const nodesim::ContainerDevices* worker = held->Find("worker");
  ASSERT_NE(worker, nullptr);
  EXPECT_THAT(worker->device_ids.at(kNpu), ElementsAre("Ascend910-2", "Ascend910-3"));
  EXPECT_EQ(worker->envs.at("ASCEND_VISIBLE_DEVICES"), "2,3");
  EXPECT_EQ(worker->envs.at("ASCEND_RT_VISIBLE_DEVICES"), "2,3");
  EXPECT_EQ(worker->devices.front().container_path, "/dev/davinci2");
  EXPECT_EQ(worker->devices.front().host_path, "/run/flyover/npu/davinci2");

  // The scheduler's annotation wins over the kubelet's pick.
  kube::core::Pod annotated = NpuPod("w-1", 2);
  annotated.metadata.annotations[kNpu] = "Ascend910-8,Ascend910-9";
  ASSERT_TRUE(api_.Create(kube::PodsResource(), kube::core::EncodePod(annotated)).ok());
  held = manager_->Allocate(annotated);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->Find("worker")->envs.at("ASCEND_VISIBLE_DEVICES"), "8,9");

  // 15 healthy, 4 held by the kubelet's count: a 12-die pod cannot be admitted.
  absl::Status refused = manager_->Allocate(NpuPod("w-2", 12)).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(),
              HasSubstr("pod ml/w-2: container worker: huawei.com/Ascend910: requested 12 "
                        "devices, 11 healthy and free"));
  // Once w-0 is gone its dies are the kubelet's to give again.
  manager_->Release("ml/w-0");
  EXPECT_FALSE(manager_->Holders(kNpu).contains("Ascend910-2"));
  absl::StatusOr<nodesim::PodDevices> next = manager_->Allocate(NpuPod("w-3", 2));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->Find("worker")->device_ids.at(kNpu).size(), 2u);
}

}  // namespace
}  // namespace flyover
