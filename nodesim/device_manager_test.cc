// The device manager against a small in-test plugin implementing the generated v1beta1
// DevicePlugin service, over real gRPC on unix sockets in a temp dir.
#include "nodesim/device_manager.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/strings/str_join.h"
#include "device-plugin/api/protocol.h"
#include "device-plugin/api/registration_client.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "nodesim/device_test_plugin.h"

namespace flyover::nodesim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kManagerWidget[] = "example.com/widget";

kube::core::Pod WidgetPod(const std::string& name, std::vector<int> counts,
                          const std::string& uid = "uid-1") {
  kube::core::Pod pod;
  pod.metadata.namespace_ = "ml";
  pod.metadata.name = name;
  pod.metadata.uid = uid;
  for (size_t i = 0; i < counts.size(); ++i) {
    kube::core::Container container;
    container.name = std::string(1, static_cast<char>('a' + i));
    container.resources.limits = {{kManagerWidget, std::to_string(counts[i])}, {"cpu", "2"}};
    pod.spec.containers.push_back(container);
  }
  return pod;
}

class DeviceManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/flyover-dm-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    if (manager_ != nullptr) manager_->Shutdown();
    StopPlugin();
    std::filesystem::remove_all(dir_);
  }

  // Starts the manager in <dir>/node-1, then serves and registers a plugin of `devices`.
  void StartWithPlugin(int devices, ::v1beta1::DevicePluginOptions options) {
    auto manager = DeviceManager::Start({.node_name = "node-1",
                                         .device_plugin_dir = dir_ + "/node-1",
                                         .on_resources = [this](const ResourceCountMap& counts) {
                                           absl::MutexLock lock(&seen_mu_);
                                           seen_.push_back(counts.at(kManagerWidget));
                                         }});
    ASSERT_TRUE(manager.ok()) << manager.status();
    manager_ = std::move(*manager);
    for (int i = 0; i < devices; ++i) plugin_.Add(absl::StrCat("w-", i));
    grpc::ServerBuilder builder;
    builder.AddListeningPort(deviceplugin::UnixTarget(deviceplugin::JoinSocketPath(
                                 manager_->device_plugin_dir(), "widget.sock")),
                             grpc::InsecureServerCredentials());
    builder.RegisterService(&plugin_);
    plugin_server_ = builder.BuildAndStart();
    ASSERT_NE(plugin_server_, nullptr);
    ::v1beta1::RegisterRequest request;
    request.set_version(std::string(deviceplugin::kApiVersion));
    request.set_endpoint("widget.sock");
    request.set_resource_name(kManagerWidget);
    *request.mutable_options() = options;
    ASSERT_TRUE(
        deviceplugin::RegisterWithKubelet(manager_->device_plugin_dir(), request, absl::Seconds(5))
            .ok());
    ASSERT_TRUE(WaitForCounts(devices, devices));
  }
  void StopPlugin() {
    if (plugin_server_ != nullptr) plugin_server_->Shutdown(std::chrono::system_clock::now());
    plugin_server_.reset();
  }
  bool WaitForCounts(int64_t capacity, int64_t allocatable) {
    return manager_->WaitForResources(
        [&](const ResourceCountMap& counts) {
          auto it = counts.find(kManagerWidget);
          return it != counts.end() && it->second == ResourceCounts{capacity, allocatable};
        },
        absl::Seconds(5));
  }
  static ::v1beta1::DevicePluginOptions Preferred(bool preferred, bool pre_start) {
    ::v1beta1::DevicePluginOptions options;
    options.set_get_preferred_allocation_available(preferred);
    options.set_pre_start_required(pre_start);
    return options;
  }

  std::string dir_;
  TestDevicePlugin plugin_;
  std::unique_ptr<grpc::Server> plugin_server_;
  std::unique_ptr<DeviceManager> manager_;
  absl::Mutex seen_mu_;
  std::vector<ResourceCounts> seen_ ABSL_GUARDED_BY(seen_mu_);
};

TEST_F(DeviceManagerTest, HealthyDevicesBecomeAllocatableAndFollowHealth) {
  StartWithPlugin(4, Preferred(false, false));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/node-1/kubelet.sock"));
  plugin_.SetHealth("w-2", false);
  ASSERT_TRUE(WaitForCounts(4, 3));
  plugin_.SetHealth("w-2", true);
  ASSERT_TRUE(WaitForCounts(4, 4));
  // on_resources runs just after the counts change: wait for its third call.
  absl::MutexLock lock(&seen_mu_);
  auto three_calls = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(seen_mu_) { return seen_.size() >= 3; };
  ASSERT_TRUE(seen_mu_.AwaitWithTimeout(absl::Condition(&three_calls), absl::Seconds(5)));
  EXPECT_THAT(seen_, ElementsAre(ResourceCounts{4, 4}, ResourceCounts{4, 3}, ResourceCounts{4, 4}));
}

TEST_F(DeviceManagerTest, AllocateTakesThePreferredDevicesAndRecordsTheHolder) {
  StartWithPlugin(4, Preferred(true, true));
  plugin_.PreferFromEnd();
  absl::StatusOr<PodDevices> held = manager_->Allocate(WidgetPod("p", {2}));
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_THAT(held->containers, testing::SizeIs(1));
  const ContainerDevices& a = held->containers[0];
  EXPECT_THAT(a.device_ids.at(kManagerWidget), ElementsAre("w-3", "w-2"));
  EXPECT_EQ(a.envs.at("WIDGETS"), "w-3,w-2");
  EXPECT_THAT(a.devices, ElementsAre(HostDevice{"/dev/w-3", "/run/widgets/w-3", "rw"},
                                     HostDevice{"/dev/w-2", "/run/widgets/w-2", "rw"}));
  EXPECT_THAT(a.mounts, ElementsAre(HostMount{"/widgets", "/run/widgets", true}));
  EXPECT_EQ(plugin_.pre_started(), (std::vector<std::string>{"w-3,w-2"}));
  EXPECT_EQ(manager_->Holders(kManagerWidget),
            (std::map<std::string, std::string>{{"w-2", "ml/p"}, {"w-3", "ml/p"}}));

  // The same pod again: the recorded answer, no new Allocate.
  absl::StatusOr<PodDevices> again = manager_->Allocate(WidgetPod("p", {2}));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *held);
  EXPECT_EQ(plugin_.allocate_calls(), 1);
  ASSERT_TRUE(manager_->Allocation("ml/p").has_value());
  manager_->Release("ml/p");
  EXPECT_THAT(manager_->Holders(kManagerWidget), IsEmpty());
  EXPECT_FALSE(manager_->Allocation("ml/p").has_value());
}

TEST_F(DeviceManagerTest, InvalidPreferredAnswerFallsBackToTheFirstFreeDevices) {
  StartWithPlugin(4, Preferred(true, false));
  plugin_.PreferInvalid();
  absl::StatusOr<PodDevices> held = manager_->Allocate(WidgetPod("p", {2}));
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_THAT(held->containers[0].device_ids.at(kManagerWidget), ElementsAre("w-0", "w-1"));
  EXPECT_THAT(plugin_.pre_started(), IsEmpty());
}

TEST_F(DeviceManagerTest, SkipsHeldAndUnhealthyDevicesAndRefusesWhenShort) {
  StartWithPlugin(4, Preferred(false, false));
  ASSERT_TRUE(manager_->Allocate(WidgetPod("p", {2}, "u-p")).ok());
  plugin_.SetHealth("w-2", false);
  ASSERT_TRUE(WaitForCounts(4, 3));
  absl::StatusOr<PodDevices> q = manager_->Allocate(WidgetPod("q", {1}, "u-q"));
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_THAT(q->containers[0].device_ids.at(kManagerWidget), ElementsAre("w-3"));

  absl::Status short_of_devices = manager_->Allocate(WidgetPod("r", {1}, "u-r")).status();
  EXPECT_EQ(short_of_devices.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(short_of_devices.message(),
            "pod ml/r: container a: example.com/widget: requested 1 devices, 0 healthy and free "
            "(3 healthy, 3 held by pods)");
  EXPECT_FALSE(manager_->Allocation("ml/r").has_value());

  // A new pod under p's name (another uid): p's devices are freed first.
  absl::StatusOr<PodDevices> p2 = manager_->Allocate(WidgetPod("p", {2}, "u-p2"));
  ASSERT_TRUE(p2.ok()) << p2.status();
  EXPECT_EQ(p2->uid, "u-p2");
  EXPECT_THAT(p2->containers[0].device_ids.at(kManagerWidget), ElementsAre("w-0", "w-1"));
}

TEST_F(DeviceManagerTest, AllocateErrorFailsThePodAndHoldsNothing) {
  StartWithPlugin(4, Preferred(false, false));
  plugin_.RefuseDevice("w-1");
  absl::Status refused = manager_->Allocate(WidgetPod("p", {1, 1})).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(),
              HasSubstr("pod ml/p: container b: example.com/widget: Allocate: w-1 refused"));
  EXPECT_THAT(manager_->Holders(kManagerWidget), IsEmpty());
  EXPECT_FALSE(manager_->Allocation("ml/p").has_value());
}

TEST_F(DeviceManagerTest, PluginGoneLeavesNoAllocatableAndFailsAllocation) {
  StartWithPlugin(4, Preferred(false, false));
  StopPlugin();
  ASSERT_TRUE(WaitForCounts(4, 0));
  absl::Status gone = manager_->Allocate(WidgetPod("p", {1})).status();
  EXPECT_EQ(gone.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(gone.message(),
              HasSubstr("pod ml/p: container a: example.com/widget: the device plugin is gone"));
}

TEST_F(DeviceManagerTest, ResourcesWithoutPluginAreSkippedUnlessExpected) {
  auto manager = DeviceManager::Start({.device_plugin_dir = dir_ + "/plain"});
  ASSERT_TRUE(manager.ok()) << manager.status();
  absl::StatusOr<PodDevices> nothing = (*manager)->Allocate(WidgetPod("p", {1}));
  ASSERT_TRUE(nothing.ok()) << nothing.status();
  EXPECT_THAT(nothing->containers, IsEmpty());

  auto strict = DeviceManager::Start(
      {.device_plugin_dir = dir_ + "/strict", .expected_resources = {kManagerWidget}});
  ASSERT_TRUE(strict.ok()) << strict.status();
  absl::Status missing = (*strict)->Allocate(WidgetPod("p", {1})).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(missing.message(), HasSubstr("no device plugin has registered"));
  (*strict)->Shutdown();
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/strict/kubelet.sock"));
  EXPECT_EQ((*strict)->Allocate(WidgetPod("p", {1})).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(DeviceManagerTest, StartRefusesAnEmptyOrTooLongDirectory) {
  EXPECT_EQ(DeviceManager::Start({}).status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status too_long =
      DeviceManager::Start({.device_plugin_dir = dir_ + "/" + std::string(100, 'd')}).status();
  EXPECT_EQ(too_long.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.message(), HasSubstr("longer than a unix socket allows"));
}

}  // namespace
}  // namespace flyover::nodesim
