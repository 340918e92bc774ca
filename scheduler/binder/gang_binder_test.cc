#include "scheduler/binder/gang_binder.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/testing/fake_api_server.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using kube::testing::FakeApiServer;
using ::testing::UnorderedElementsAre;

class GangBinderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = api_.NewClient();
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(
          api_.Create(kube::NodesResource(), testing::MakeNode(absl::StrCat("n", i), 7, i)).ok());
      ASSERT_TRUE(api_.Create(kube::PodsResource(),
                              testing::MakeGangPod(
                                  {.name = absl::StrCat("w-", i), .min_member = 4, .rank = i}))
                      .ok());
      placement_.pods.push_back({.pod_name = absl::StrCat("w-", i),
                                 .rank_index = i,
                                 .node = absl::StrCat("n", i),
                                 .dies = topology::DieSet::All(),
                                 .super_pod_id = 7,
                                 .logical_super_pod_index = i / 2});
    }
  }

  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_;
  GangPlacement placement_;
};

TEST_F(GangBinderTest, BindsEveryPodWithItsAnnotationsInOneWrite) {
  GangBinder binder(client_.get(), {.max_parallel = 2});
  GangBindResult result = binder.BindGang(BindingsFor("ml", placement_));
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_THAT(result.bound, UnorderedElementsAre("ml/w-0", "ml/w-1", "ml/w-2", "ml/w-3"));
  EXPECT_TRUE(result.not_bound.empty());
  std::optional<nlohmann::json> pod = api_.Get(kube::PodsResource(), "ml", "w-3");
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ((*pod)["spec"]["nodeName"], "n3");
  const nlohmann::json& annotations = (*pod)["metadata"]["annotations"];
  EXPECT_EQ(annotations["huawei.com/Ascend910"], topology::DieSet::All().ToDeviceNames());
  EXPECT_EQ(annotations["hccl/rankIndex"], "3");
  EXPECT_EQ(annotations["scheduling.flyover.dev/super-pod-id"], "7");
  EXPECT_EQ(annotations["scheduling.flyover.dev/logical-super-pod"], "1");
  EXPECT_EQ(annotations["scheduling.flyover.dev/gang"], "job-g0") << "operator's kept";
  // One write per pod: the binding, no separate annotation patch.
  std::vector<std::string> writes = api_.ActionStrings({.verb = "write"});
  EXPECT_THAT(writes,
              UnorderedElementsAre("create pods/binding ml/w-0", "create pods/binding ml/w-1",
                                   "create pods/binding ml/w-2", "create pods/binding ml/w-3"));
}

TEST_F(GangBinderTest, ARecreatedPodIsNotBound) {
  std::vector<PodBinding> bindings = BindingsFor("ml", placement_);
  bindings[0].uid = "uid-of-the-pod-placed";
  GangBinder binder(client_.get());
  absl::Status status = binder.BindPod(bindings[0]);
  EXPECT_TRUE(kube::IsConflict(status)) << status;
  std::optional<nlohmann::json> pod = api_.Get(kube::PodsResource(), "ml", "w-0");
  EXPECT_FALSE(pod->at("spec").contains("nodeName"));
  EXPECT_FALSE(
      pod->at("metadata")["annotations"].contains("scheduling.flyover.dev/super-pod-id"))
      << "a refused binding leaves no placement annotations";
}

TEST_F(GangBinderTest, FailureStopsTheGangAndReportsWhatWasBound) {
  api_.FailNext({.verb = "create", .resource = "pods", .subresource = "binding", .name = "w-1"},
                500);
  GangBinder binder(client_.get(), {.max_parallel = 1});
  GangBindResult result = binder.BindGang(BindingsFor("ml", placement_));
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.failed_pod, "ml/w-1");
  EXPECT_THAT(std::string(result.error.message()), ::testing::HasSubstr("binding to node n1"));
  EXPECT_THAT(result.bound, UnorderedElementsAre("ml/w-0"));
  EXPECT_THAT(result.not_bound, UnorderedElementsAre("ml/w-1", "ml/w-2", "ml/w-3"));
  EXPECT_FALSE(api_.Get(kube::PodsResource(), "ml", "w-2")->at("spec").contains("nodeName"));
}

TEST_F(GangBinderTest, MissingPodFailsAtTheBinding) {
  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "ml", "w-0").ok());
  GangBinder binder(client_.get());
  absl::Status status = binder.BindPod(BindingsFor("ml", placement_)[0]);
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("binding to node n0"));
}

}  // namespace
}  // namespace flyover::sched
