// NodeDevices over real gRPC (an in-test plugin on one node's socket) and a fake API server.
#include "nodesim/device_nodes.h"

#include <stdlib.h>

#include <filesystem>

#include "device-plugin/api/protocol.h"
#include "device-plugin/api/registration_client.h"
#include "gmock/gmock.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/device_test_plugin.h"

namespace flyover::nodesim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kNodesWidget[] = "example.com/widget";

kube::core::Pod PodOn(const std::string& node, const std::string& name) {
  kube::core::Pod pod;
  pod.metadata.namespace_ = "ml";
  pod.metadata.name = name;
  pod.metadata.uid = "uid-" + name + "-" + node;
  pod.spec.node_name = node;
  kube::core::Container worker;
  worker.name = "worker";
  worker.resources.limits = {{kNodesWidget, "2"}};
  pod.spec.containers.push_back(worker);
  return pod;
}

class NodeDevicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/flyover-nd-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    root_ = dir_template;
    for (const char* name : {"n0", "n1"}) {
      nlohmann::json node = {
          {"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
      ASSERT_TRUE(api_.Create(kube::NodesResource(), node).ok());
    }
    auto devices = NodeDevices::Start(client_.get(), {"n0"}, {.root_dir = root_});
    ASSERT_TRUE(devices.ok()) << devices.status();
    devices_ = std::move(*devices);
  }
  void TearDown() override {
    devices_->Shutdown();
    if (plugin_server_ != nullptr) plugin_server_->Shutdown(std::chrono::system_clock::now());
    std::filesystem::remove_all(root_);
  }

  // Serves the test plugin with `count` devices in n0's directory and registers it.
  void ServePluginOnN0(int count) {
    for (int i = 0; i < count; ++i) plugin_.Add(absl::StrCat("w-", i));
    const std::string dir = root_ + "/n0";
    grpc::ServerBuilder builder;
    builder.AddListeningPort(deviceplugin::UnixTarget(dir + "/widget.sock"),
                             grpc::InsecureServerCredentials());
    builder.RegisterService(&plugin_);
    plugin_server_ = builder.BuildAndStart();
    ASSERT_NE(plugin_server_, nullptr);
    ::v1beta1::RegisterRequest request;
    request.set_version(std::string(deviceplugin::kApiVersion));
    request.set_endpoint("widget.sock");
    request.set_resource_name(kNodesWidget);
    ASSERT_TRUE(deviceplugin::RegisterWithKubelet(dir, request, absl::Seconds(5)).ok());
  }

  std::string root_;
  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  std::unique_ptr<NodeDevices> devices_;
  TestDevicePlugin plugin_;
  std::unique_ptr<grpc::Server> plugin_server_;
};

TEST_F(NodeDevicesTest, OneManagerPerNodeWhoseCountsReachTheNode) {
  ASSERT_NE(devices_->ForNode("n0"), nullptr);
  EXPECT_EQ(devices_->ForNode("n1"), nullptr);
  EXPECT_TRUE(std::filesystem::exists(root_ + "/n0/kubelet.sock"));
  EXPECT_THAT(devices_->Counts("n0"), IsEmpty());
  ServePluginOnN0(4);
  ASSERT_TRUE(devices_->node_status().WaitForWritten("n0", {{kNodesWidget, {4, 4}}}, absl::Seconds(5)));
  std::optional<nlohmann::json> node = api_.Get(kube::NodesResource(), "", "n0");
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ((*node)["status"]["allocatable"][kNodesWidget], "4");
  EXPECT_EQ(devices_->Counts("n0").at(kNodesWidget), (ResourceCounts{4, 4}));
  EXPECT_THAT(devices_->Counts("n1"), IsEmpty());
}

TEST_F(NodeDevicesTest, AllocatesOnThePodsNodeAndReleasesByKey) {
  ServePluginOnN0(4);
  ASSERT_TRUE(devices_->ForNode("n0")->WaitForResources(
      [](const ResourceCountMap& counts) { return counts.contains(kNodesWidget); }, absl::Seconds(5)));
  absl::StatusOr<PodDevices> elsewhere = devices_->Allocate(PodOn("n1", "a"));
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  EXPECT_THAT(elsewhere->containers, IsEmpty());

  absl::StatusOr<PodDevices> held = devices_->Allocate(PodOn("n0", "b"));
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_THAT(held->Find("worker")->device_ids.at(kNodesWidget), ElementsAre("w-0", "w-1"));
  devices_->Release("ml/b");
  EXPECT_THAT(devices_->ForNode("n0")->Holders(kNodesWidget), IsEmpty());

  // A pod of the same name moving to a node without devices frees what it held.
  ASSERT_TRUE(devices_->Allocate(PodOn("n0", "c")).ok());
  ASSERT_TRUE(devices_->Allocate(PodOn("n1", "c")).ok());
  EXPECT_THAT(devices_->ForNode("n0")->Holders(kNodesWidget), IsEmpty());
}

TEST(NodeDevicesStartTest, NeedsARootDirectory) {
  kube::testing::FakeApiServer api;
  std::unique_ptr<kube::RestClient> client = api.NewClient();
  EXPECT_EQ(NodeDevices::Start(client.get(), {"n0"}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::nodesim
