#include "scheduler/report/gang_reporter.h"

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/meta.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using kube::testing::FakeApiServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kMessage[] = "needs 64 nodes in one super-pod; the largest free block is 40";

nlohmann::json Job(const std::string& name) {
  return {{"apiVersion", "training.flyover.dev/v1alpha1"},
          {"kind", "PostTrainingJob"},
          {"metadata", {{"name", name}, {"namespace", "ml"}}},
          {"spec", {{"replicas", 2}, {"npusPerReplica", 16}}},
          {"status", {{"phase", "Scheduling"}}}};
}

class GangReporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = api_.NewClient();
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), Job("job")).ok());
    gang_ = PendingGang{
        .key = "ml/job-g0", .namespace_ = "ml", .gang = "job-g0", .job = "job", .min_member = 2};
    for (int i = 0; i < 2; ++i) {
      nlohmann::json pod = testing::MakeGangPod({.name = absl::StrCat("w-", i), .rank = i});
      ASSERT_TRUE(api_.Create(kube::PodsResource(), pod).ok());
      gang_.pods.push_back(*ParsePodInfo(testing::Pack(pod)->view()));
    }
  }
  nlohmann::json JobCondition() {
    nlohmann::json job = *api_.Get(kube::PostTrainingJobsResource(), "ml", "job");
    for (const nlohmann::json& c : job["status"]["conditions"]) {
      if (c["type"] == "Schedulable") return c;
    }
    return nullptr;
  }

  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_;
  kube::FakeEventRecorder recorder_;
  FakeClock clock_;
  PendingGang gang_;
};

TEST_F(GangReporterTest, UnschedulableSetsPodConditionsEventAndJobCondition) {
  GangReporter reporter(client_.get(), &recorder_, &clock_);
  ASSERT_TRUE(reporter.ReportUnschedulable(gang_, kMessage).ok());
  for (const char* name : {"w-0", "w-1"}) {
    nlohmann::json pod = *api_.Get(kube::PodsResource(), "ml", name);
    ASSERT_TRUE(pod["status"]["conditions"].is_array()) << pod.dump();
    const nlohmann::json& condition = pod["status"]["conditions"][0];
    EXPECT_EQ(condition["type"], "PodScheduled");
    EXPECT_EQ(condition["status"], "False");
    EXPECT_EQ(condition["reason"], "Unschedulable");
    EXPECT_EQ(condition["message"], kMessage);
  }
  nlohmann::json condition = JobCondition();
  EXPECT_EQ(condition["status"], "False");
  EXPECT_EQ(condition["reason"], "Unschedulable");
  EXPECT_EQ(condition["message"], kMessage);
  EXPECT_THAT(
      recorder_.Strings(),
      ElementsAre(absl::StrCat("Warning FailedScheduling gang job-g0 (2 pods): ", kMessage)));
  EXPECT_EQ(recorder_.events()[0].object.kind, "PostTrainingJob");
  EXPECT_EQ(recorder_.events()[0].object.name, "job");
}

TEST_F(GangReporterTest, SameMessageIsNotWrittenAgain) {
  GangReporter reporter(client_.get(), &recorder_, &clock_);
  ASSERT_TRUE(reporter.ReportUnschedulable(gang_, kMessage).ok());
  api_.ClearActions();
  ASSERT_TRUE(reporter.ReportUnschedulable(gang_, kMessage).ok());
  EXPECT_TRUE(api_.ActionStrings({.verb = "write"}).empty());
  ASSERT_TRUE(reporter.ReportUnschedulable(gang_, "another reason").ok());
  EXPECT_EQ(JobCondition()["message"], "another reason");
  EXPECT_EQ(recorder_.CountReason("FailedScheduling"), 2);
}

TEST_F(GangReporterTest, ScheduledFlipsTheJobConditionToTrue) {
  GangReporter reporter(client_.get(), &recorder_, &clock_);
  ASSERT_TRUE(reporter.ReportUnschedulable(gang_, kMessage).ok());
  clock_.Advance(absl::Seconds(5));
  ASSERT_TRUE(reporter.ReportScheduled(gang_).ok());
  nlohmann::json condition = JobCondition();
  EXPECT_EQ(condition["status"], "True");
  EXPECT_EQ(condition["reason"], "Scheduled");
  EXPECT_EQ(condition["lastTransitionTime"], kube::FormatKubeTime(clock_.Now()));
  EXPECT_EQ(recorder_.CountReason("Scheduled"), 1);
}

TEST_F(GangReporterTest, ConflictOnTheJobIsRetried) {
  api_.FailNext({.verb = "update", .resource = "posttrainingjobs"}, 409);
  // The retry sleeps ~10 ms on the clock: the real one here.
  GangReporter reporter(client_.get(), &recorder_, RealClock());
  absl::Status status = reporter.ReportUnschedulable(gang_, kMessage);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(JobCondition()["message"], kMessage);
}

TEST_F(GangReporterTest, MissingJobIsReportedNotFatalForPods) {
  gang_.job = "gone";
  GangReporter reporter(client_.get(), &recorder_, &clock_);
  absl::Status status = reporter.ReportUnschedulable(gang_, kMessage);
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("job ml/gone status"));
  EXPECT_EQ((*api_.Get(kube::PodsResource(), "ml", "w-1"))["status"]["conditions"][0]["reason"],
            "Unschedulable");
}

TEST_F(GangReporterTest, BindFailureEventNamesBoundPods) {
  GangReporter reporter(client_.get(), &recorder_, &clock_);
  GangBindResult result{.bound = {"ml/w-0"},
                        .not_bound = {"ml/w-1"},
                        .failed_pod = "ml/w-1",
                        .error = absl::UnavailableError("connection reset")};
  reporter.ReportBindFailure(gang_, result);
  ASSERT_EQ(recorder_.events().size(), 1u);
  EXPECT_EQ(recorder_.events()[0].reason, "BindFailed");
  EXPECT_THAT(recorder_.events()[0].message,
              HasSubstr("binding pod ml/w-1 failed: connection reset; 1 of 2 pods are bound "
                        "(ml/w-0)"));
}

TEST(SetStatusConditionTest, TransitionTimeMovesOnlyWithStatus) {
  nlohmann::json job = {{"metadata", {{"generation", 3}}}};
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  EXPECT_TRUE(SetStatusCondition(job, "Schedulable", "False", "Unschedulable", "a", t0));
  EXPECT_EQ(job["status"]["conditions"][0]["observedGeneration"], 3);
  EXPECT_FALSE(
      SetStatusCondition(job, "Schedulable", "False", "Unschedulable", "a", t0 + absl::Seconds(9)));
  EXPECT_TRUE(
      SetStatusCondition(job, "Schedulable", "False", "Unschedulable", "b", t0 + absl::Seconds(9)));
  EXPECT_EQ(job["status"]["conditions"][0]["lastTransitionTime"], kube::FormatKubeTime(t0));
  EXPECT_TRUE(
      SetStatusCondition(job, "Schedulable", "True", "Scheduled", "c", t0 + absl::Seconds(9)));
  EXPECT_EQ(job["status"]["conditions"][0]["lastTransitionTime"],
            kube::FormatKubeTime(t0 + absl::Seconds(9)));
  EXPECT_EQ(job["status"]["conditions"].size(), 1u);
}

}  // namespace
}  // namespace flyover::sched
