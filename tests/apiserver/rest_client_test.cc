// Flyover's own Kubernetes client (kube/client, kube/cache) against flyover-apiserver in
// process: the kube client's protocol suites (kube/client/testing/protocol_suite.h,
// informer_protocol_suite.h) — the same behaviour cases the client's own tests run against
// the scripted server — instantiated for this server, plus what only this server speaks.
#include "kube/client/rest_client.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/client/testing/informer_protocol_suite.h"
#include "kube/client/testing/protocol_suite.h"
#include "tests/apiserver/flyover_api_backend.h"

namespace flyover::kube::testing {

INSTANTIATE_TEST_SUITE_P(FlyoverApiserver, ApiProtocolTest,
                         ::testing::Values(apiserver::testing::FlyoverBackendFactory()),
                         BackendName);
INSTANTIATE_TEST_SUITE_P(FlyoverApiserver, InformerProtocolTest,
                         ::testing::Values(apiserver::testing::FlyoverBackendFactory()),
                         BackendName);

}  // namespace flyover::kube::testing

namespace flyover::apiserver::testing {
namespace {

using json = nlohmann::json;

// kubectl's patch for built-in types: containers merge by name.
TEST(FlyoverRestClientTest, StrategicMergePatchMergesContainersByName) {
  absl::StatusOr<std::unique_ptr<FlyoverApiBackend>> backend = FlyoverApiBackend::Start();
  ASSERT_TRUE(backend.ok()) << backend.status();
  absl::StatusOr<std::unique_ptr<kube::RestClient>> client =
      kube::NewRestClient({.server = (*backend)->url()}, {.rate_limit = {.qps = 0}});
  ASSERT_TRUE(client.ok()) << client.status();
  const kube::ResourceDescriptor& pods = kube::PodsResource();
  ASSERT_TRUE((*client)->Create(pods, "default", kube::testing::TestPod("a")).ok());
  absl::StatusOr<json> patched = (*client)->Patch(
      pods, "default", "a",
      {{"spec", {{"containers", json::array({{{"name", "side"}, {"image", "x"}}})}}}},
      {.type = kube::PatchType::kStrategicMerge});
  ASSERT_TRUE(patched.ok()) << patched.status();
  std::vector<std::string> containers;
  for (const json& container : (*patched)["spec"]["containers"]) {
    containers.push_back(container["name"].get<std::string>() + "=" +
                         container["image"].get<std::string>());
  }
  EXPECT_THAT(containers, ::testing::UnorderedElementsAre("c=busybox", "side=x"));
}

}  // namespace
}  // namespace flyover::apiserver::testing
