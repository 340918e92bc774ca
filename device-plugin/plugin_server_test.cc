// flyover-device-plugin's kubelet protocol, driven by the kubelet-side library over real
// gRPC on unix sockets in a temp dir, with an emulated source and a fake API server.
#include "device-plugin/plugin_server.h"

#include <stdlib.h>

#include <filesystem>

#include "absl/time/clock.h"
#include "common/fake_clock.h"
#include "device-plugin/api/kubelet_server.h"
#include "device-plugin/api/protocol.h"
#include "device-plugin/emulated_npu_source.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kResource[] = "huawei.com/Ascend910";

nlohmann::json ServerPodJson(const std::string& name, int dies, const std::string& annotation) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", "ml"},
            {"annotations", {{"huawei.com/Ascend910", annotation}}}}},
          {"spec",
           {{"nodeName", "node-1"},
            {"containers",
             {{{"name", "worker"},
               {"resources", {{"limits", {{"huawei.com/Ascend910", std::to_string(dies)}}}}}}}}}}};
}

std::vector<std::string> Names(const v1beta1::ContainerPreferredAllocationResponse& r) {
  return {r.deviceids().begin(), r.deviceids().end()};
}

class PluginServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/flyover-dpp-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    auto kubelet = KubeletRegistrationServer::Start({.device_plugin_dir = dir_});
    ASSERT_TRUE(kubelet.ok()) << kubelet.status();
    kubelet_ = std::move(*kubelet);
    server_ = std::make_unique<PluginServer>(
        &plugin_, PluginServerOptions{.device_plugin_dir = dir_,
                                      .check_interval = absl::Milliseconds(50)});
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_TRUE(kubelet_->WaitForPlugin(kResource, absl::Seconds(5)));
    client_ = kubelet_->Plugin(kResource);
    ASSERT_TRUE(client_->WaitForDevices(AllHealthy(16), absl::Seconds(5)));
  }
  void TearDown() override {
    server_->Stop();
    kubelet_->Shutdown();
    std::filesystem::remove_all(dir_);
  }

  static std::function<bool(const DeviceList&)> AllHealthy(size_t n) {
    return [n](const DeviceList& devices) {
      return devices.size() == n &&
             std::all_of(devices.begin(), devices.end(),
                         [](const v1beta1::Device& d) { return d.health() == kHealthy; });
    };
  }
  absl::StatusOr<v1beta1::AllocateResponse> Allocate(std::vector<std::string> ids) {
    return client_->Allocate(std::vector<std::vector<std::string>>{std::move(ids)});
  }

  std::string dir_;
  FakeClock clock_;
  EmulatedNpuSource source_{DefaultNodeDescription(), &clock_};
  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> rest_ = api_.NewClient();
  ApiPodLookup lookup_{rest_.get(), "node-1"};
  NpuDevicePlugin plugin_{&source_, &lookup_, {.device_dir = "/run/flyover/npu"}};
  std::unique_ptr<KubeletRegistrationServer> kubelet_;
  std::unique_ptr<PluginServer> server_;
  std::shared_ptr<PluginClient> client_;
};

TEST_F(PluginServerTest, RegistersWithOptionsAndListsSixteenDies) {
  absl::StatusOr<RegisteredPlugin> registered = kubelet_->Registration(kResource);
  ASSERT_TRUE(registered.ok());
  EXPECT_EQ(registered->endpoint, "flyover-ascend910.sock");
  EXPECT_TRUE(registered->options.get_preferred_allocation_available());
  absl::StatusOr<v1beta1::DevicePluginOptions> options = client_->GetDevicePluginOptions();
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->get_preferred_allocation_available());
  EXPECT_FALSE(options->pre_start_required());
  EXPECT_EQ(client_->devices()[15].id(), "Ascend910-15");
  EXPECT_TRUE(client_->PreStartContainer({"Ascend910-0"}).ok());
}

TEST_F(PluginServerTest, InjectedFaultReachesListAndWatchWithinOneSecond) {
  const absl::Time injected = absl::Now();
  ASSERT_TRUE(source_.InjectFault(6, FaultKind::kChipHang).ok());
  ASSERT_TRUE(client_->WaitForDevices(
      [](const DeviceList& d) {
        return d.size() == 16 && d[6].health() == kUnhealthy && d[7].health() == kUnhealthy;
      },
      absl::Seconds(1)));
  const absl::Duration latency = absl::Now() - injected;
  EXPECT_LT(latency, absl::Seconds(1));
  EXPECT_EQ(client_->devices()[5].health(), kHealthy);
  ASSERT_TRUE(source_.Recover(6).ok());
  ASSERT_TRUE(client_->WaitForDevices(AllHealthy(16), absl::Seconds(1)));
}

TEST_F(PluginServerTest, PreferredAllocationTakesWholeChipsAndSkipsUnhealthyDies) {
  ASSERT_TRUE(source_.InjectFault(0, FaultKind::kHbmEccDoubleBit).ok());
  v1beta1::PreferredAllocationRequest request;
  auto* container = request.add_container_requests();
  for (int i = 0; i < 16; ++i) container->add_available_deviceids(absl::StrCat("Ascend910-", i));
  container->set_allocation_size(4);
  absl::StatusOr<v1beta1::PreferredAllocationResponse> preferred =
      client_->GetPreferredAllocation(request);
  ASSERT_TRUE(preferred.ok()) << preferred.status();
  EXPECT_THAT(Names(preferred->container_responses(0)),
              ElementsAre("Ascend910-2", "Ascend910-3", "Ascend910-4", "Ascend910-5"));
  container->set_allocation_size(1);  // the healthy half of chip 0
  EXPECT_THAT(Names(client_->GetPreferredAllocation(request)->container_responses(0)),
              ElementsAre("Ascend910-1"));
  container->set_allocation_size(17);
  EXPECT_EQ(client_->GetPreferredAllocation(request).status().code(),
            absl::StatusCode::kInvalidArgument);
  container->add_available_deviceids("Ascend910-99");
  EXPECT_THAT(client_->GetPreferredAllocation(request).status().message(),
              HasSubstr("unknown device id \"Ascend910-99\""));
}

TEST_F(PluginServerTest, AllocateWithoutAnnotationUsesKubeletIds) {
  absl::StatusOr<v1beta1::AllocateResponse> response = Allocate({"Ascend910-2", "Ascend910-3"});
  ASSERT_TRUE(response.ok()) << response.status();
  const auto& container = response->container_responses(0);
  EXPECT_EQ(container.envs().at("ASCEND_VISIBLE_DEVICES"), "2,3");
  EXPECT_EQ(container.envs().at("ASCEND_RT_VISIBLE_DEVICES"), "2,3");
  ASSERT_EQ(container.devices_size(), 5);
  EXPECT_EQ(container.devices(0).container_path(), "/dev/davinci2");
  EXPECT_EQ(container.devices(0).host_path(), "/run/flyover/npu/davinci2");
  EXPECT_EQ(container.devices(2).container_path(), "/dev/davinci_manager");
  EXPECT_EQ(plugin_.Allocations().size(), 2u);
}

TEST_F(PluginServerTest, AllocateHonoursTheSchedulersAnnotation) {
  ASSERT_TRUE(api_.Create(kube::PodsResource(),
                          ServerPodJson("w-0", 2, "Ascend910-8,Ascend910-9")).ok());
  absl::StatusOr<v1beta1::AllocateResponse> response = Allocate({"Ascend910-0", "Ascend910-1"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->container_responses(0).envs().at("ASCEND_VISIBLE_DEVICES"), "8,9");
  EXPECT_EQ(plugin_.Allocations().at(8).PodKey(), "ml/w-0");
  EXPECT_EQ(plugin_.Allocations().at(8).container, "worker");

  // A second pod annotated with a die w-0 holds is refused, naming the holder.
  ASSERT_TRUE(api_.Create(kube::PodsResource(),
                          ServerPodJson("w-1", 2, "Ascend910-9,Ascend910-10")).ok());
  absl::Status taken = Allocate({"Ascend910-2", "Ascend910-3"}).status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(taken.message(), HasSubstr("Ascend910-9 is already allocated to pod ml/w-0"));

  // Once w-0 is gone its dies are free again.
  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "ml", "w-0").ok());
  response = Allocate({"Ascend910-2", "Ascend910-3"});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->container_responses(0).envs().at("ASCEND_VISIBLE_DEVICES"), "9,10");
}

TEST_F(PluginServerTest, AllocateRefusesBadInputWithClearMessages) {
  struct Case {
    std::vector<std::vector<std::string>> request;
    absl::StatusCode code;
    const char* message;
  } cases[] = {
      {{{"Ascend910-16"}}, absl::StatusCode::kInvalidArgument, "unknown device id"},
      {{{"npu-0"}}, absl::StatusCode::kInvalidArgument, "unknown device id"},
      {{{}}, absl::StatusCode::kInvalidArgument, "is empty"},
      {{{"Ascend910-0"}, {"Ascend910-0"}}, absl::StatusCode::kInvalidArgument,
       "also requested by another container"},
      {{std::vector<std::string>(17, "Ascend910-0")}, absl::StatusCode::kInvalidArgument,
       "this node has 16"},
  };
  for (const Case& c : cases) {
    absl::Status status = client_->Allocate(c.request).status();
    EXPECT_EQ(status.code(), c.code) << status;
    EXPECT_THAT(status.message(), HasSubstr(c.message));
  }
  ASSERT_TRUE(source_.InjectFault(4, FaultKind::kHbmEccDoubleBit).ok());
  absl::Status sick = Allocate({"Ascend910-4", "Ascend910-5"}).status();
  EXPECT_EQ(sick.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(sick.message(), HasSubstr("Ascend910-4: Unhealthy"));
  EXPECT_TRUE(plugin_.Allocations().empty());
}

TEST_F(PluginServerTest, AllocateRefusesMalformedOrMismatchedAnnotations) {
  ASSERT_TRUE(api_.Create(kube::PodsResource(), ServerPodJson("bad", 2, "Ascend910-1,GPU-2")).ok());
  absl::Status malformed = Allocate({"Ascend910-0", "Ascend910-1"}).status();
  EXPECT_EQ(malformed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(malformed.message(), HasSubstr("pod ml/bad annotation huawei.com/Ascend910"));
  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "ml", "bad").ok());

  ASSERT_TRUE(api_.Create(kube::PodsResource(), ServerPodJson("odd", 2, "Ascend910-4")).ok());
  absl::Status mismatch = Allocate({"Ascend910-0", "Ascend910-1"}).status();
  EXPECT_THAT(mismatch.message(), HasSubstr("names 1 dies but the container requests 2"));

  api_.FailNextWithError({.verb = "list"}, absl::UnavailableError("connection refused"));
  EXPECT_EQ(Allocate({"Ascend910-0", "Ascend910-1"}).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(PluginServerTest, ReRegistersWhenKubeletSocketIsRecreated) {
  EXPECT_EQ(server_->registrations(), 1);
  kubelet_->Shutdown();  // removes kubelet.sock, as a kubelet restart does
  auto restarted = KubeletRegistrationServer::Start({.device_plugin_dir = dir_});
  ASSERT_TRUE(restarted.ok());
  kubelet_ = std::move(*restarted);
  ASSERT_TRUE(kubelet_->WaitForPlugin(kResource, absl::Seconds(5)));
  ASSERT_TRUE(kubelet_->Plugin(kResource)->WaitForDevices(AllHealthy(16), absl::Seconds(5)));
  EXPECT_EQ(server_->registrations(), 2);
}

TEST_F(PluginServerTest, ServesAgainWhenItsSocketIsDeleted) {
  std::filesystem::remove(server_->socket_path());
  ASSERT_TRUE(kubelet_->WaitForPlugin(kResource, absl::Seconds(5), 2));
  ASSERT_TRUE(kubelet_->Plugin(kResource)->WaitForDevices(AllHealthy(16), absl::Seconds(5)));
}

}  // namespace
}  // namespace flyover::deviceplugin
