#include "device-plugin/pod_lookup.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/resource.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::UnorderedElementsAre;

nlohmann::json PodJson(const std::string& name, const std::string& node, int dies,
                       const char* annotation, const char* created) {
  nlohmann::json pod = {
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", "ml"}, {"creationTimestamp", created}}},
      {"spec",
       {{"nodeName", node},
        {"containers",
         {{{"name", "sidecar"}, {"image", "busybox"}},
          {{"name", "worker"},
           {"image", "flyover-worker"},
           {"resources", {{"limits", {{"huawei.com/Ascend910", std::to_string(dies)}}}}}}}}}}};
  if (annotation != nullptr) pod["metadata"]["annotations"] = {{"huawei.com/Ascend910", annotation}};
  return pod;
}

TEST(PodLookupTest, ToNodePodReadsRequestAnnotationAndPhase) {
  absl::StatusOr<kube::core::Pod> pod = kube::core::DecodePod(
      PodJson("w-0", "node-1", 4, "Ascend910-0,Ascend910-1", "2026-01-01T00:00:00Z"));
  ASSERT_TRUE(pod.ok());
  NodePod node_pod = ToNodePod(*pod);
  EXPECT_EQ(node_pod.Key(), "ml/w-0");
  EXPECT_EQ(node_pod.container, "worker");
  EXPECT_EQ(node_pod.requested_dies, 4);
  EXPECT_EQ(node_pod.annotation, "Ascend910-0,Ascend910-1");
  EXPECT_FALSE(node_pod.terminal);
  pod->status.phase = "Succeeded";
  EXPECT_TRUE(ToNodePod(*pod).terminal);
}

TEST(PodLookupTest, SelectsOldestMatchingLivePod) {
  const absl::Time t0 = absl::UnixEpoch();
  std::vector<NodePod> pods = {
      {"ml", "late", "w", 2, "Ascend910-2,Ascend910-3", t0 + absl::Seconds(2), false},
      {"ml", "early", "w", 2, "Ascend910-0,Ascend910-1", t0 + absl::Seconds(1), false},
      {"ml", "done", "w", 2, "Ascend910-4,Ascend910-5", t0, true},
      {"ml", "bare", "w", 2, std::nullopt, t0, false},
      {"ml", "big", "w", 4, "Ascend910-8", t0, false},
  };
  const NodePod* pod = SelectPodForAllocation(pods, 2, {});
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->name, "early");
  EXPECT_EQ(SelectPodForAllocation(pods, 2, {"ml/early"})->name, "late");
  EXPECT_EQ(SelectPodForAllocation(pods, 2, {"ml/early", "ml/late"}), nullptr);
  EXPECT_EQ(SelectPodForAllocation(pods, 4, {})->name, "big");
  EXPECT_EQ(SelectPodForAllocation(pods, 1, {}), nullptr);
}

TEST(PodLookupTest, ApiLookupListsOnlyThisNodesPods) {
  kube::testing::FakeApiServer api;
  ASSERT_TRUE(api.Create(kube::PodsResource(),
                         PodJson("a", "node-1", 2, "Ascend910-0,Ascend910-1", "2026-01-01T00:00:00Z"))
                  .ok());
  ASSERT_TRUE(api.Create(kube::PodsResource(), PodJson("b", "node-2", 2, nullptr,
                                                       "2026-01-01T00:00:00Z"))
                  .ok());
  std::unique_ptr<kube::RestClient> client = api.NewClient();
  ApiPodLookup lookup(client.get(), "node-1");
  absl::StatusOr<std::vector<NodePod>> pods = lookup.PodsOnNode();
  ASSERT_TRUE(pods.ok()) << pods.status();
  ASSERT_EQ(pods->size(), 1u);
  EXPECT_EQ((*pods)[0].name, "a");
  EXPECT_THAT(api.ActionStrings(), UnorderedElementsAre(testing::HasSubstr("list pods")));

  api.FailNextWithError({.verb = "list"}, absl::UnavailableError("connection refused"));
  EXPECT_EQ(lookup.PodsOnNode().status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace flyover::deviceplugin
