// JobReconciler reading pods from a view that lags the API server (as the operator's informer
// cache does), with PodExpectations: its own writes are neither repeated nor mistaken for
// faults while the view does not show them yet.
#include <memory>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/client/resource.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "operator/job_reconciler.h"
#include "operator/testing/job_fixtures.h"
#include "operator/testing/lagging_cluster_view.h"

namespace flyover::op {
namespace {

using kube::JobPhase;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class JobReconcilerCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= 3; ++i) {
      ASSERT_TRUE(api_.Create(kube::NodesResource(),
                              testing::NodeJson(absl::StrCat("n", i),
                                                absl::StrCat("10.0.0.", i), "0", i - 1))
                      .ok());
    }
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), testing::JobJson("tiny", 2, 2, 100))
                    .ok());
  }

  kube::Result Reconcile() {
    absl::StatusOr<kube::Result> result = reconciler_.Reconcile("default/tiny");
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(kube::Result{});
  }

  kube::PostTrainingJob Job() {
    kube::ErrorList errors;
    return kube::DecodePostTrainingJob(
        api_.Get(kube::PostTrainingJobsResource(), "default", "tiny").value_or(nlohmann::json{}),
        &errors);
  }

  std::vector<nlohmann::json> ServerPods() { return api_.List(kube::PodsResource(), "default"); }

  size_t PodCreates() {
    return api_.Actions({.verb = "create", .resource = "pods", .subresource = ""}).size();
  }

  // Takes the job to Running with the view live, then beats at step 10.
  void StartRunning() {
    Reconcile();
    ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-0-g0", "n1", {0, 1}).ok());
    ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-1-g0", "n2", {2, 3}).ok());
    Reconcile();
    ASSERT_EQ(Job().status.phase, JobPhase::kRunning);
    for (int rank = 0; rank < 2; ++rank) {
      ASSERT_TRUE(registry_
                      .RecordHeartbeat("default.tiny",
                                       testing::HeartbeatOf(absl::StrCat("tiny-", rank, "-g0"),
                                                            rank, 0, 2, kRankRunning, 10))
                      .ok());
    }
  }

  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  SupervisionRegistry registry_{&clock_};
  kube::FakeEventRecorder events_;
  ApiClusterView api_view_{client_.get()};
  testing::LaggingClusterView view_{&api_view_};
  PodExpectations expectations_{absl::Seconds(30)};
  JobReconciler reconciler_{client_.get(),
                            &registry_,
                            &events_,
                            nullptr,
                            {.pods = {.supervision_url = "http://op:9443"},
                             .cluster_view = &view_,
                             .pod_expectations = &expectations_,
                             .clock = &clock_}};
};

TEST_F(JobReconcilerCacheTest, PodsNotYetInTheViewAreNotCreatedAgain) {
  view_.Freeze({});  // the cache has seen none of the pods the first reconcile creates
  Reconcile();
  ASSERT_EQ(PodCreates(), 2u);
  EXPECT_EQ(Reconcile().requeue_after, absl::Milliseconds(200));
  EXPECT_EQ(Reconcile().requeue_after, absl::Milliseconds(200));
  EXPECT_EQ(PodCreates(), 2u);
  EXPECT_EQ(events_.CountReason("CreatedPods"), 1);

  view_.Freeze(ServerPods());  // the watch events arrived
  Reconcile();
  EXPECT_EQ(PodCreates(), 2u);
  EXPECT_EQ(Job().status.phase, JobPhase::kScheduling);
}

TEST_F(JobReconcilerCacheTest, AReplacementNotYetInTheViewIsNeitherFaultedNorDuplicated) {
  StartRunning();
  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "default", "tiny-1-g0").ok());
  view_.Freeze(ServerPods());  // the view shows the deletion...
  Reconcile();
  clock_.Advance(absl::Seconds(1));  // ...and after the backoff the replacement is created
  Reconcile();
  ASSERT_EQ(PodCreates(), 3u);
  ASSERT_EQ(Job().status.restarts.reschedule_pod, 1);

  // The view does not show tiny-1-g1 yet: no PodDeleted fault for it, no second copy.
  for (int i = 0; i < 3; ++i) Reconcile();
  EXPECT_EQ(PodCreates(), 3u);
  kube::PostTrainingJob job = Job();
  ASSERT_THAT(job.status.faults, SizeIs(1));
  EXPECT_EQ(job.status.faults[0].pod, "tiny-1-g0");
  EXPECT_EQ(job.status.restarts.total, 1);

  view_.Thaw();
  Reconcile();
  EXPECT_THAT(Job().status.faults, SizeIs(1));
  EXPECT_EQ(PodCreates(), 3u);
}

TEST_F(JobReconcilerCacheTest, AnExpectationTheViewNeverConfirmsExpiresAfterItsTtl) {
  view_.Freeze({});
  Reconcile();
  EXPECT_EQ(Reconcile().requeue_after, absl::Milliseconds(200));
  clock_.Advance(absl::Seconds(31));
  Reconcile();  // acts again on what it sees: the pods exist (AlreadyExists), none created
  EXPECT_EQ(PodCreates(), 4u);
  EXPECT_EQ(events_.CountReason("CreatedPods"), 1);
  EXPECT_THAT(ServerPods(), SizeIs(2));
}

TEST_F(JobReconcilerCacheTest, DeletedPodsStillInTheViewAreNotDeletedTwice) {
  StartRunning();
  ASSERT_TRUE(client_->Patch(kube::PostTrainingJobsResource(), "default", "tiny",
                             {{"spec", {{"suspend", true}}}})
                  .ok());
  view_.Freeze(ServerPods());  // the view will still show both pods after their deletion
  Reconcile();
  EXPECT_THAT(ServerPods(), IsEmpty());
  const auto deletes = [this] { return api_.Actions({.verb = "delete", .resource = "pods"}); };
  EXPECT_THAT(deletes(), SizeIs(2));
  EXPECT_EQ(Job().status.phase, JobPhase::kSuspended);
  EXPECT_EQ(Reconcile().requeue_after, absl::Milliseconds(200));
  EXPECT_THAT(deletes(), SizeIs(2));

  view_.Thaw();
  EXPECT_EQ(Reconcile().requeue_after, absl::ZeroDuration());
  EXPECT_THAT(deletes(), SizeIs(2));
  EXPECT_EQ(events_.CountReason("DeletedPods"), 1);
}

}  // namespace
}  // namespace flyover::op
