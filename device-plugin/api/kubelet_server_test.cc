// The kubelet side against a minimal in-test plugin, over real unix sockets in a temp dir.
#include "device-plugin/api/kubelet_server.h"

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "device-plugin/api/plugin_client.h"
#include "device-plugin/api/protocol.h"
#include "device-plugin/api/registration_client.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

// Streams a settable device list; Allocate echoes the ids as an env var.
class ListPlugin final : public v1beta1::DevicePlugin::Service {
 public:
  void SetHealth(const std::string& id, const std::string& health) {
    absl::MutexLock lock(&mu_);
    for (v1beta1::Device& d : devices_) {
      if (d.id() == id) d.set_health(health);
    }
    ++version_;
  }
  void Add(const std::string& id) {
    absl::MutexLock lock(&mu_);
    v1beta1::Device device;
    device.set_id(id);
    device.set_health(std::string(kHealthy));
    devices_.push_back(device);
    ++version_;
  }

  grpc::Status GetDevicePluginOptions(grpc::ServerContext*, const v1beta1::Empty*,
                                      v1beta1::DevicePluginOptions* out) override {
    out->set_get_preferred_allocation_available(true);
    return grpc::Status::OK;
  }
  grpc::Status ListAndWatch(grpc::ServerContext* context, const v1beta1::Empty*,
                            grpc::ServerWriter<v1beta1::ListAndWatchResponse>* writer) override {
    int sent = -1;
    while (!context->IsCancelled()) {
      v1beta1::ListAndWatchResponse response;
      {
        absl::MutexLock lock(&mu_);
        auto changed = [this, &sent]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return version_ != sent;
        };
        if (!mu_.AwaitWithTimeout(absl::Condition(&changed), absl::Milliseconds(20))) continue;
        sent = version_;
        for (const v1beta1::Device& d : devices_) *response.add_devices() = d;
      }
      if (!writer->Write(response)) break;
    }
    return grpc::Status::OK;
  }
  grpc::Status Allocate(grpc::ServerContext*, const v1beta1::AllocateRequest* request,
                        v1beta1::AllocateResponse* response) override {
    for (const auto& container : request->container_requests()) {
      if (container.devices_ids().empty()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "devices_ids: empty");
      }
      (*response->add_container_responses()->mutable_envs())["IDS"] =
          absl::StrJoin(container.devices_ids(), ",");
    }
    return grpc::Status::OK;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1beta1::Device> devices_ ABSL_GUARDED_BY(mu_);
  int version_ ABSL_GUARDED_BY(mu_) = 0;
};

class KubeletServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/flyover-dp-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    if (plugin_server_) plugin_server_->Shutdown(std::chrono::system_clock::now());
    std::filesystem::remove_all(dir_);
  }

  void ServePlugin(const std::string& endpoint) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort(UnixTarget(JoinSocketPath(dir_, endpoint)),
                             grpc::InsecureServerCredentials());
    builder.RegisterService(&plugin_);
    plugin_server_ = builder.BuildAndStart();
    ASSERT_NE(plugin_server_, nullptr);
  }

  static v1beta1::RegisterRequest Request(const std::string& endpoint) {
    v1beta1::RegisterRequest request;
    request.set_version(std::string(kApiVersion));
    request.set_endpoint(endpoint);
    request.set_resource_name("example.com/widget");
    request.mutable_options()->set_get_preferred_allocation_available(true);
    return request;
  }

  std::string dir_;
  ListPlugin plugin_;
  std::unique_ptr<grpc::Server> plugin_server_;
};

bool HasHealthyIds(const DeviceList& devices, size_t n) {
  if (devices.size() != n) return false;
  for (const v1beta1::Device& d : devices) {
    if (d.health() != kHealthy) return false;
  }
  return true;
}

TEST_F(KubeletServerTest, RegistersAndStreamsDevicesAndAllocates) {
  absl::Mutex seen_mu;
  std::vector<size_t> seen_sizes;
  auto kubelet = KubeletRegistrationServer::Start(
      {.device_plugin_dir = dir_,
       .on_devices = [&](const std::string& resource, const DeviceList& devices) {
         EXPECT_EQ(resource, "example.com/widget");
         absl::MutexLock lock(&seen_mu);
         seen_sizes.push_back(devices.size());
       }});
  ASSERT_TRUE(kubelet.ok()) << kubelet.status();
  EXPECT_TRUE(std::filesystem::exists(JoinSocketPath(dir_, "kubelet.sock")));
  plugin_.Add("w-0");
  plugin_.Add("w-1");
  ServePlugin("widget.sock");
  ASSERT_TRUE(RegisterWithKubelet(dir_, Request("widget.sock"), absl::Seconds(5)).ok());
  ASSERT_TRUE((*kubelet)->WaitForPlugin("example.com/widget", absl::Seconds(5)));

  absl::StatusOr<RegisteredPlugin> registered = (*kubelet)->Registration("example.com/widget");
  ASSERT_TRUE(registered.ok());
  EXPECT_EQ(registered->endpoint, "widget.sock");
  EXPECT_TRUE(registered->options.get_preferred_allocation_available());

  std::shared_ptr<PluginClient> client = (*kubelet)->Plugin("example.com/widget");
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->WaitForDevices(
      [](const DeviceList& d) { return HasHealthyIds(d, 2); }, absl::Seconds(5)));
  plugin_.SetHealth("w-1", std::string(kUnhealthy));
  ASSERT_TRUE(client->WaitForDevices(
      [](const DeviceList& d) { return d.size() == 2 && d[1].health() == kUnhealthy; },
      absl::Seconds(5)));

  absl::StatusOr<v1beta1::DevicePluginOptions> options = client->GetDevicePluginOptions();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->get_preferred_allocation_available());
  absl::StatusOr<v1beta1::AllocateResponse> allocated = client->Allocate({{"w-0", "w-1"}});
  ASSERT_TRUE(allocated.ok()) << allocated.status();
  EXPECT_EQ(allocated->container_responses(0).envs().at("IDS"), "w-0,w-1");
  absl::StatusOr<v1beta1::AllocateResponse> refused = client->Allocate(std::vector<std::vector<std::string>>{{}});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("devices_ids"));

  absl::MutexLock lock(&seen_mu);
  EXPECT_GE(seen_sizes.size(), 2u);
}

TEST_F(KubeletServerTest, RefusesBadRegistration) {
  auto kubelet = KubeletRegistrationServer::Start({.device_plugin_dir = dir_});
  ASSERT_TRUE(kubelet.ok());
  v1beta1::RegisterRequest request = Request("widget.sock");
  request.set_version("v1alpha1");
  absl::Status status = RegisterWithKubelet(dir_, request, absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("version"));
  EXPECT_EQ((*kubelet)->registrations("example.com/widget"), 0);
}

TEST_F(KubeletServerTest, RegisterWithoutKubeletTimesOut) {
  absl::Status status = RegisterWithKubelet(dir_, Request("widget.sock"), absl::Milliseconds(200));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_THAT(status.message(), HasSubstr("kubelet.sock"));
}

TEST_F(KubeletServerTest, ReRegistrationReplacesClientAndStreamEndEmptiesDevices) {
  auto kubelet = KubeletRegistrationServer::Start({.device_plugin_dir = dir_});
  ASSERT_TRUE(kubelet.ok());
  plugin_.Add("w-0");
  ServePlugin("widget.sock");
  ASSERT_TRUE(RegisterWithKubelet(dir_, Request("widget.sock"), absl::Seconds(5)).ok());
  ASSERT_TRUE((*kubelet)->WaitForPlugin("example.com/widget", absl::Seconds(5)));
  std::shared_ptr<PluginClient> first = (*kubelet)->Plugin("example.com/widget");
  ASSERT_TRUE(RegisterWithKubelet(dir_, Request("widget.sock"), absl::Seconds(5)).ok());
  ASSERT_TRUE((*kubelet)->WaitForPlugin("example.com/widget", absl::Seconds(5), 2));
  std::shared_ptr<PluginClient> second = (*kubelet)->Plugin("example.com/widget");
  EXPECT_NE(first, second);
  EXPECT_FALSE(first->watching());
  ASSERT_TRUE(second->WaitForDevices([](const DeviceList& d) { return d.size() == 1; },
                                     absl::Seconds(5)));

  plugin_server_->Shutdown(std::chrono::system_clock::now());
  plugin_server_.reset();
  ASSERT_TRUE(second->WaitForDevices([](const DeviceList& d) { return d.empty(); },
                                     absl::Seconds(5)));
  EXPECT_FALSE(second->watching());
  EXPECT_FALSE(second->watch_status().ok());
}

TEST_F(KubeletServerTest, ShutdownRemovesSocket) {
  auto kubelet = KubeletRegistrationServer::Start({.device_plugin_dir = dir_});
  ASSERT_TRUE(kubelet.ok());
  (*kubelet)->Shutdown();
  EXPECT_FALSE(std::filesystem::exists(JoinSocketPath(dir_, "kubelet.sock")));
  EXPECT_EQ(KubeletRegistrationServer::Start({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::deviceplugin
