// The assembled scheduler against the fake API server: informers, cache, queue, the core's
// default plugins, binder and reporter, with real threads.
#include "scheduler/flyover_scheduler.h"

#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using kube::testing::FakeApiServer;
using ::testing::HasSubstr;

bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(20)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return done();
}

nlohmann::json Job(const std::string& name) {
  return {{"apiVersion", "training.flyover.dev/v1alpha1"},
          {"kind", "PostTrainingJob"},
          {"metadata", {{"name", name}, {"namespace", "ml"}}},
          {"spec", {{"replicas", 1}}},
          {"status", {{"phase", "Scheduling"}}}};
}

class FlyoverSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = api_.NewClient();
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(
          api_.Create(kube::NodesResource(), testing::MakeNode(absl::StrCat("n", i), 0, i)).ok());
    }
    FlyoverSchedulerOptions options;
    options.core.spare_nodes_per_super_pod = 0;
    options.queue = {.initial_backoff = absl::Milliseconds(20),
                     .max_backoff = absl::Milliseconds(100)};
    absl::StatusOr<std::unique_ptr<FlyoverScheduler>> scheduler =
        FlyoverScheduler::Create(client_.get(), &recorder_, options);
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = *std::move(scheduler);
  }
  void CreateGang(const std::string& job, int pods, int npus,
                  const std::map<std::string, std::string>& annotations = {}) {
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), Job(job)).ok());
    for (int i = 0; i < pods; ++i) {
      nlohmann::json pod = testing::MakeGangPod({.name = absl::StrCat(job, "-", i),
                                                 .gang = job + "-g0",
                                                 .min_member = pods,
                                                 .npus = npus,
                                                 .rank = i,
                                                 .job = job});
      pod["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-block"] =
          absl::StrCat(pods * npus);
      for (const auto& [key, value] : annotations) pod["metadata"]["annotations"][key] = value;
      ASSERT_TRUE(api_.Create(kube::PodsResource(), pod).ok());
    }
  }
  int Bound(const std::string& job, int pods) {
    int bound = 0;
    for (int i = 0; i < pods; ++i) {
      std::optional<nlohmann::json> pod =
          api_.Get(kube::PodsResource(), "ml", absl::StrCat(job, "-", i));
      bound += pod.has_value() && pod->at("spec").contains("nodeName");
    }
    return bound;
  }
  nlohmann::json Schedulable(const std::string& job) {
    std::optional<nlohmann::json> object = api_.Get(kube::PostTrainingJobsResource(), "ml", job);
    if (!object.has_value() || !(*object)["status"].is_object()) return nullptr;
    for (const nlohmann::json& c :
         (*object)["status"].value("conditions", nlohmann::json::array())) {
      if (c["type"] == "Schedulable") return c;
    }
    return nullptr;
  }

  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_;
  kube::FakeEventRecorder recorder_;
  std::unique_ptr<FlyoverScheduler> scheduler_;
};

TEST_F(FlyoverSchedulerTest, GangIsBoundWholeWithAnnotationsAndNoDieReused) {
  ASSERT_TRUE(scheduler_->Start().ok());
  CreateGang("a", 4, 8);
  CreateGang("b", 4, 8);
  ASSERT_TRUE(Eventually([&] { return Bound("a", 4) == 4 && Bound("b", 4) == 4; }));
  std::map<std::string, topology::DieSet> held;
  for (const std::string job : {"a", "b"}) {
    for (int i = 0; i < 4; ++i) {
      nlohmann::json pod = *api_.Get(kube::PodsResource(), "ml", absl::StrCat(job, "-", i));
      const nlohmann::json& annotations = pod["metadata"]["annotations"];
      absl::StatusOr<topology::DieSet> dies = topology::DieSet::ParseDeviceNames(
          annotations["huawei.com/Ascend910"].get<std::string>());
      ASSERT_TRUE(dies.ok()) << pod.dump();
      EXPECT_EQ(dies->Count(), 8);
      EXPECT_EQ(annotations["hccl/rankIndex"], absl::StrCat(i));
      EXPECT_EQ(annotations["scheduling.flyover.dev/super-pod-id"], "0");
      EXPECT_EQ(annotations["scheduling.flyover.dev/logical-super-pod"], "0");
      topology::DieSet& on_node = held[pod["spec"]["nodeName"].get<std::string>()];
      EXPECT_TRUE((on_node & *dies).empty()) << "die reused on " << pod["spec"]["nodeName"];
      on_node = on_node | *dies;
    }
  }
  ASSERT_TRUE(Eventually([&] { return Schedulable("a").is_object(); }));
  EXPECT_EQ(Schedulable("a")["status"], "True");
}

TEST_F(FlyoverSchedulerTest, UnschedulableGangIsReportedThenPlacedWhenRoomAppears) {
  ASSERT_TRUE(scheduler_->Start().ok());
  CreateGang("big", 3, 16);
  ASSERT_TRUE(Eventually([&] { return Bound("big", 3) == 3; }));
  CreateGang("late", 2, 16);  // one node left: never partly bound
  ASSERT_TRUE(Eventually(
      [&] { return Schedulable("late").is_object() && Schedulable("late")["status"] == "False"; }));
  EXPECT_EQ(Bound("late", 2), 0);
  nlohmann::json condition = Schedulable("late");
  EXPECT_EQ(condition["reason"], "Unschedulable");
  EXPECT_FALSE(condition["message"].get<std::string>().empty());
  nlohmann::json pod = *api_.Get(kube::PodsResource(), "ml", "late-1");
  EXPECT_EQ(pod["status"]["conditions"][0]["reason"], "Unschedulable");
  EXPECT_EQ(pod["status"]["conditions"][0]["message"], condition["message"]);
  EXPECT_GE(recorder_.CountReason("FailedScheduling"), 1);

  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "ml", "big-0").ok());
  ASSERT_TRUE(Eventually([&] { return Bound("late", 2) == 2; }));
  ASSERT_TRUE(Eventually([&] { return Schedulable("late")["status"] == "True"; }));
}

TEST_F(FlyoverSchedulerTest, GangTimeoutIsReportedAndTheGangHoldsNothingAndStaysQueued) {
  ASSERT_TRUE(scheduler_->Start().ok());
  CreateGang("big", 5, 16, {{"scheduling.flyover.dev/gang-timeout-seconds", "1"}});
  ASSERT_TRUE(Eventually([&] { return Schedulable("big").is_object(); }));
  EXPECT_THAT(Schedulable("big")["message"].get<std::string>(),
              ::testing::Not(HasSubstr("timeout")))
      << "within its timeout the gang is reported without it";
  // No change in the cluster: the queue wakes the gang when its timeout runs out.
  ASSERT_TRUE(Eventually([&] {
    return Schedulable("big")["message"].get<std::string>().find("gang timeout of 1s") !=
           std::string::npos;
  })) << Schedulable("big").dump();
  EXPECT_EQ(Schedulable("big")["status"], "False");
  EXPECT_EQ(Schedulable("big")["reason"], "Unschedulable");
  EXPECT_EQ(scheduler_->cache().PlacedInGang("ml/big-g0"), 0) << "nothing assumed or bound";
  EXPECT_EQ(Bound("big", 5), 0);
  // Still queued: room appears, the gang goes whole.
  ASSERT_TRUE(api_.Create(kube::NodesResource(), testing::MakeNode("n4", 0, 4)).ok());
  ASSERT_TRUE(Eventually([&] { return Bound("big", 5) == 5; }));
  ASSERT_TRUE(Eventually([&] { return Schedulable("big")["status"] == "True"; }));
}

TEST_F(FlyoverSchedulerTest, FailedBindingIsReportedAndTheGangCompleted) {
  api_.FailNext({.verb = "create", .resource = "pods", .subresource = "binding", .name = "j-1"},
                500, 1, "etcd hiccup");
  ASSERT_TRUE(scheduler_->Start().ok());
  CreateGang("j", 2, 16);
  ASSERT_TRUE(Eventually([&] { return Bound("j", 2) == 2; }))
      << ::testing::PrintToString(recorder_.Strings()) << "\n"
      << api_.Get(kube::PodsResource(), "ml", "j-1")->dump();
  ASSERT_TRUE(recorder_.WaitForEvents(1));
  EXPECT_EQ(recorder_.CountReason("BindFailed"), 1);
  std::vector<std::string> strings = recorder_.Strings();
  EXPECT_THAT(::testing::PrintToString(strings), HasSubstr("binding pod ml/j-1 failed"));
}

TEST_F(FlyoverSchedulerTest, ReplacementGoesToTheSuperPodOfItsBlock) {
  // Super-pod 1: two more nodes; the running gang r (2 pods x 16 dies, one block) holds one.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::MakeNode(absl::StrCat("m", i), 1, i)).ok());
  }
  nlohmann::json running = testing::MakeGangPod(
      {.name = "r-0", .gang = "r-g0", .min_member = 2, .npus = 16, .rank = 0, .job = "r"});
  running["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-block"] = "32";
  ASSERT_TRUE(api_.Create(kube::PodsResource(),
                          testing::BoundTo(running, "m0", topology::DieSet::All().ToDeviceNames()))
                  .ok());
  ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), Job("r")).ok());
  ASSERT_TRUE(scheduler_->Start().ok());
  nlohmann::json replacement = testing::MakeGangPod({.name = "r-1",
                                                     .gang = "r-g0",
                                                     .min_member = 2,
                                                     .npus = 16,
                                                     .rank = 1,
                                                     .job = "r",
                                                     .replacement = true});
  replacement["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-block"] = "32";
  ASSERT_TRUE(api_.Create(kube::PodsResource(), replacement).ok());
  ASSERT_TRUE(Eventually([&] { return Bound("r", 2) == 2; }));
  nlohmann::json pod = *api_.Get(kube::PodsResource(), "ml", "r-1");
  EXPECT_EQ(pod["spec"]["nodeName"], "m1") << "super-pod 0 has 4 free nodes, but r's block is in 1";
  EXPECT_EQ(pod["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-id"], "1");
}

TEST_F(FlyoverSchedulerTest, MalformedAnnotationIsReportedNotIgnored) {
  ASSERT_TRUE(scheduler_->Start().ok());
  ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), Job("bad")).ok());
  nlohmann::json pod = testing::MakeGangPod({.name = "bad-0", .gang = "bad-g0", .job = "bad"});
  pod["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-block"] = "many";
  ASSERT_TRUE(api_.Create(kube::PodsResource(), pod).ok());
  ASSERT_TRUE(Eventually([&] { return Schedulable("bad").is_object(); }));
  EXPECT_EQ(Schedulable("bad")["status"], "False");
  EXPECT_THAT(Schedulable("bad")["message"].get<std::string>(),
              HasSubstr("pod bad-0: annotation scheduling.flyover.dev/super-pod-block"));
  EXPECT_EQ(Bound("bad", 1), 0);
}

}  // namespace
}  // namespace flyover::sched
