#include "kube/controller/handlers.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/packed_json.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

PackedJson Pack(const json& object) {
  absl::StatusOr<PackedJson> packed = PackedJson::Pack(object);
  EXPECT_TRUE(packed.ok()) << packed.status();
  return *std::move(packed);
}

json Pod(json owner_references) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", "w-0"}, {"namespace", "research"}, {"ownerReferences", owner_references}}}};
}

json Ref(const std::string& api_version, const std::string& kind, const std::string& name,
         bool controller) {
  return {{"apiVersion", api_version}, {"kind", kind}, {"name", name}, {"uid", "u-" + name},
          {"controller", controller}};
}

TEST(HandlersTest, ApiGroupOfDropsTheVersion) {
  EXPECT_EQ(ApiGroupOf("training.flyover.dev/v1alpha1"), "training.flyover.dev");
  EXPECT_EQ(ApiGroupOf("v1"), "");
  EXPECT_EQ(ApiGroupOf("apps/v1"), "apps");
}

TEST(HandlersTest, EnqueueObjectGivesTheObjectsKey) {
  EXPECT_THAT(EnqueueObject()(Pack(Pod(json::array())).view()), ElementsAre("research/w-0"));
  EXPECT_THAT(EnqueueObject()(Pack({{"metadata", {{"name", "node-1"}}}}).view()),
              ElementsAre("node-1"));
  EXPECT_THAT(EnqueueObject()(Pack({{"metadata", json::object()}}).view()), IsEmpty());
}

TEST(HandlersTest, EnqueueOwnerMatchesGroupAndKindOfTheController) {
  PackedJson pod =
      Pack(Pod(json::array({Ref("training.flyover.dev/v1alpha1", "PostTrainingJob", "llama", true),
                            Ref("training.flyover.dev/v1", "PostTrainingJob", "other", false),
                            Ref("apps/v1", "ReplicaSet", "rs", false)})));
  OwnerMatch jobs{.api_group = "training.flyover.dev", .kind = "PostTrainingJob"};
  EXPECT_THAT(EnqueueOwner(jobs)(pod.view()), ElementsAre("research/llama"));

  jobs.only_controller = false;
  EXPECT_THAT(OwnerKeys(pod.view(), jobs), ElementsAre("research/llama", "research/other"));

  EXPECT_THAT(OwnerKeys(pod.view(), {.api_group = "apps", .kind = "ReplicaSet",
                                     .only_controller = false}),
              ElementsAre("research/rs"));
  EXPECT_THAT(OwnerKeys(pod.view(), {.api_group = "", .kind = "PostTrainingJob"}), IsEmpty());
}

TEST(HandlersTest, ClusterScopedOwnersAreKeyedByName) {
  PackedJson pod = Pack(Pod(json::array({Ref("v1", "Node", "node-7", true)})));
  EXPECT_THAT(OwnerKeys(pod.view(), {.kind = "Node", .cluster_scoped = true}),
              ElementsAre("node-7"));
}

TEST(HandlersTest, ObjectsWithoutOwnersGiveNoKeys) {
  EXPECT_THAT(OwnerKeys(Pack(Pod(json::array())).view(), {.kind = "PostTrainingJob"}), IsEmpty());
  EXPECT_THAT(OwnerKeys(Pack({{"metadata", {{"name", "x"}}}}).view(), {.kind = "X"}), IsEmpty());
}

}  // namespace
}  // namespace flyover::kube
