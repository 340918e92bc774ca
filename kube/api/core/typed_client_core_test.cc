#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/core/core_testing.h"
#include "kube/api/core/object_codecs.h"
#include "kube/client/typed_client.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::kube::core {
namespace {

using ::testing::ElementsAre;
using kube::testing::FakeApiServer;

TEST(TypedClientCoreTest, CreatesAndReadsAPod) {
  FakeApiServer api;
  std::unique_ptr<RestClient> client = api.NewClient();
  TypedClient<Pod> pods(client.get());

  Pod pod;
  pod.metadata.name = "w-0";
  pod.metadata.namespace_ = "ml";
  pod.spec.scheduler_name = "flyover-scheduler";
  pod.spec.containers.push_back(
      {.name = "worker", .image = "worker:1",
       .resources = {.requests = {{"huawei.com/Ascend910", "16"}}}});
  pod.spec.rest = {{"hostNetwork", true}};  // unmodelled, must survive the server

  absl::StatusOr<Pod> created = pods.Create(pod);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE(created->metadata.uid.empty());
  EXPECT_FALSE(created->metadata.resource_version.empty());

  absl::StatusOr<Pod> read = pods.Get("ml", "w-0");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->spec, pod.spec);
  EXPECT_EQ(read->metadata.uid, created->metadata.uid);
  EXPECT_THAT(api.ActionStrings(), ElementsAre("create pods ml/w-0", "get pods ml/w-0"));
}

TEST(TypedClientCoreTest, ListsAndUpdatesNodes) {
  FakeApiServer api;
  ASSERT_TRUE(api.Create(NodesResource(), testing::LoadFixture("node.json")).ok());
  std::unique_ptr<RestClient> client = api.NewClient();
  TypedClient<Node> nodes(client.get());

  absl::StatusOr<TypedList<Node>> list = nodes.List("");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->items.size(), 1u);
  Node node = list->items[0];
  EXPECT_TRUE(IsReady(node));
  node.spec.unschedulable = false;
  absl::StatusOr<Node> updated = nodes.Update(node);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_FALSE(updated->spec.unschedulable);
  EXPECT_EQ((*api.Get(NodesResource(), "", "node-a17"))["spec"]["podCIDR"], "172.16.4.0/24");
}

TEST(TypedClientCoreTest, LeaseRoundTripsThroughTheServer) {
  FakeApiServer api;
  std::unique_ptr<RestClient> client = api.NewClient();
  TypedClient<Lease> leases(client.get());
  Lease lease;
  lease.metadata.name = "flyover-operator";
  lease.metadata.namespace_ = "flyover-system";
  lease.spec.holder_identity = "op-1";
  lease.spec.lease_duration_seconds = 15;
  lease.spec.renew_time = absl::FromUnixMicros(1'790'000'000'123'456);
  ASSERT_TRUE(leases.Create(lease).ok());
  absl::StatusOr<Lease> read = leases.Get("flyover-system", "flyover-operator");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->spec, lease.spec);
}

}  // namespace
}  // namespace flyover::kube::core
