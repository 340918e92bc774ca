// PlanDeletion as a pure function: which step each kind of object gets.
#include "apiserver/server/deletion_plan.h"

#include "apiserver/server/registry_state.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using json = nlohmann::json;

class DeletionPlanTest : public ::testing::Test {
 protected:
  const discovery::ResourceInfo& Resource(const char* plural) {
    return *snapshot_->registry().Find("", "v1", plural);
  }

  RegistryState registry_;
  std::shared_ptr<const RegistrySnapshot> snapshot_ = registry_.Snapshot();
  const absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(DeletionPlanTest, GracePeriodForPods) {
  const json bound = {{"spec", {{"nodeName", "n1"}}}};
  EXPECT_EQ(GracePeriodFor(Resource("pods"), bound, std::nullopt), 30);
  EXPECT_EQ(GracePeriodFor(Resource("pods"), bound, 5), 5);
  EXPECT_EQ(GracePeriodFor(Resource("pods"), bound, -3), 1);
  const json own = {{"spec", {{"nodeName", "n1"}, {"terminationGracePeriodSeconds", 90}}}};
  EXPECT_EQ(GracePeriodFor(Resource("pods"), own, std::nullopt), 90);
  const json failed = {{"spec", {{"nodeName", "n1"}}}, {"status", {{"phase", "Failed"}}}};
  EXPECT_EQ(GracePeriodFor(Resource("pods"), failed, 5), 0);
  EXPECT_EQ(GracePeriodFor(Resource("pods"), json{{"spec", json::object()}}, 5), 0);
  EXPECT_EQ(GracePeriodFor(Resource("configmaps"), bound, 5), 0);
}

TEST_F(DeletionPlanTest, StepsForObjectsNotYetBeingDeleted) {
  const json plain = {{"metadata", {{"name", "a"}}}};
  EXPECT_EQ(PlanDeletion(Resource("configmaps"), plain, {}, std::nullopt, now_).step,
            DeletionStep::kRemove);
  const DeletionPlan orphan =
      PlanDeletion(Resource("configmaps"), plain, {"orphan"}, std::nullopt, now_);
  ASSERT_EQ(orphan.step, DeletionStep::kMark);
  EXPECT_EQ(orphan.object["metadata"]["finalizers"], json({"orphan"}));
  EXPECT_EQ(orphan.object["metadata"]["deletionGracePeriodSeconds"], 0);
  const json ns = {{"metadata", {{"name", "team"}}}, {"spec", {{"finalizers", {"kubernetes"}}}}};
  const DeletionPlan terminating =
      PlanDeletion(Resource("namespaces"), ns, {}, std::nullopt, now_);
  ASSERT_EQ(terminating.step, DeletionStep::kMark);
  EXPECT_EQ(terminating.object["status"]["phase"], "Terminating");
}

TEST_F(DeletionPlanTest, AnObjectHeldByFinalizersIsKeptUntilTheyAreGone) {
  json held = {{"metadata",
                {{"name", "a"},
                 {"deletionTimestamp", "2023-11-14T22:13:20Z"},
                 {"deletionGracePeriodSeconds", 0},
                 {"finalizers", {"x"}}}}};
  EXPECT_EQ(PlanDeletion(Resource("configmaps"), held, {}, 0, now_).step, DeletionStep::kKeep);
  held["metadata"].erase("finalizers");
  EXPECT_EQ(PlanDeletion(Resource("configmaps"), held, {}, std::nullopt, now_).step,
            DeletionStep::kRemove);
  EXPECT_TRUE(DeletionComplete(Resource("configmaps"), held));
}

TEST_F(DeletionPlanTest, AGracePeriodRunningIsNotComplete) {
  const json terminating = {
      {"metadata",
       {{"deletionTimestamp", "2023-11-14T22:13:50Z"}, {"deletionGracePeriodSeconds", 30}}},
      {"spec", {{"nodeName", "n1"}}}};
  EXPECT_TRUE(AwaitsGracefulTermination(terminating));
  EXPECT_FALSE(DeletionComplete(Resource("pods"), terminating));
  const DeletionPlan shorter = PlanDeletion(Resource("pods"), terminating, {}, 10, now_);
  ASSERT_EQ(shorter.step, DeletionStep::kMark);
  EXPECT_EQ(shorter.object["metadata"]["deletionTimestamp"], "2023-11-14T22:13:30Z");
  EXPECT_EQ(PlanDeletion(Resource("pods"), terminating, {}, 0, now_).step,
            DeletionStep::kRemove);
}

}  // namespace
}  // namespace flyover::apiserver
