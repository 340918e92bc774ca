#include "operator/job_reconciler.h"

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
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using kube::JobPhase;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class JobReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n1", "10.0.0.1", "0", 0)).ok());
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n2", "10.0.0.2", "0", 1)).ok());
  }

  void CreateJob(nlohmann::json job) {
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), std::move(job)).ok());
  }

  kube::Result Reconcile(const std::string& name = "tiny") {
    absl::StatusOr<kube::Result> result = reconciler_.Reconcile("default/" + name);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(kube::Result{});
  }

  kube::PostTrainingJob Job(const std::string& name = "tiny") {
    std::optional<nlohmann::json> raw = api_.Get(kube::PostTrainingJobsResource(), "default", name);
    EXPECT_TRUE(raw.has_value());
    kube::ErrorList errors;
    return kube::DecodePostTrainingJob(raw.value_or(nlohmann::json::object()), &errors);
  }

  std::vector<std::string> PodNames() {
    std::vector<std::string> names;
    for (const nlohmann::json& pod : api_.List(kube::PodsResource(), "default")) {
      names.push_back(pod["metadata"]["name"]);
    }
    return names;
  }

  void BindAll(int32_t generation = 0) {
    ASSERT_TRUE(
        testing::BindPod(*client_, "default", PodName("tiny", 0, generation), "n1", {0, 1}).ok());
    ASSERT_TRUE(
        testing::BindPod(*client_, "default", PodName("tiny", 1, generation), "n2", {2, 3}).ok());
  }

  void SendHeartbeat(int32_t rank, const std::string& state, int64_t step, int32_t generation = 0) {
    ::flyover::op::Heartbeat heartbeat =
        testing::HeartbeatOf(PodName("tiny", rank, generation), rank, generation, 2, state, step);
    heartbeat.last_checkpoint_step = step / 25 * 25;
    ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", heartbeat).ok());
  }

  void PatchSpec(const nlohmann::json& spec) {
    ASSERT_TRUE(
        client_->Patch(kube::PostTrainingJobsResource(), "default", "tiny", {{"spec", spec}}).ok());
  }

  // Creates the tiny job and takes it to Running.
  void StartRunning() {
    CreateJob(testing::JobJson("tiny", 2, 2, 100));
    Reconcile();
    BindAll();
    Reconcile();
    ASSERT_EQ(Job().status.phase, JobPhase::kRunning);
  }

  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  SupervisionRegistry registry_{&clock_};
  kube::FakeEventRecorder events_;
  JobReconciler reconciler_{client_.get(),
                            &registry_,
                            &events_,
                            nullptr,
                            {.pods = {.supervision_url = "http://op:9443"}, .clock = &clock_}};
};

TEST_F(JobReconcilerTest, CreatesPodsServiceAndSecretOnceAndIsIdempotent) {
  CreateJob(testing::JobJson("tiny"));
  Reconcile();
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g0"));
  EXPECT_TRUE(api_.Get(kube::ServicesResource(), "default", "tiny").has_value());
  std::optional<nlohmann::json> secret =
      api_.Get(kube::SecretsResource(), "default", "tiny-supervision");
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(registry_.Token("default.tiny"), TokenFromSecret(*secret).value());
  EXPECT_EQ(Job().status.phase, JobPhase::kScheduling);
  EXPECT_EQ(Job().status.observed_generation, Job().metadata.generation);
  EXPECT_EQ(events_.CountReason("CreatedPods"), 1);

  const size_t writes = api_.Actions({.verb = "write"}).size();
  Reconcile();
  Reconcile();
  EXPECT_THAT(api_.Actions({.verb = "write"}), SizeIs(writes));
  EXPECT_EQ(
      TokenFromSecret(*api_.Get(kube::SecretsResource(), "default", "tiny-supervision")).value(),
      TokenFromSecret(*secret).value());
}

TEST_F(JobReconcilerTest, RankTableIsBuiltOnlyOnceEveryPodIsBound) {
  CreateJob(testing::JobJson("tiny"));
  Reconcile();
  ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-0-g0", "n1", {0, 1}).ok());
  Reconcile();
  EXPECT_FALSE(registry_.Progress("default.tiny")->rank_table.has_value());
  EXPECT_EQ(Job().status.phase, JobPhase::kScheduling);
  EXPECT_FALSE(api_.Get(kube::ConfigMapsResource(), "default", "tiny-ranktable").has_value());

  ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-1-g0", "n2", {2, 3}).ok());
  EXPECT_EQ(Reconcile().requeue_after, absl::Seconds(2));
  const std::optional<nlohmann::json> table = registry_.Progress("default.tiny")->rank_table;
  ASSERT_TRUE(table.has_value());
  EXPECT_EQ((*table)["status"], "completed");
  EXPECT_EQ((*table)["version"], "1.2");
  EXPECT_EQ((*table)["server_list"][1]["device"][1]["rank_id"], "3");
  std::optional<nlohmann::json> mirror =
      api_.Get(kube::ConfigMapsResource(), "default", "tiny-ranktable");
  ASSERT_TRUE(mirror.has_value());
  EXPECT_EQ(nlohmann::json::parse((*mirror)["data"]["hccl.json"].get<std::string>()), *table);
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kRunning);
  ASSERT_TRUE(job.status.placement.has_value());
  EXPECT_EQ(job.status.placement->nodes, 2);
  EXPECT_EQ(job.status.placement->super_pods_spanned, 1);
  EXPECT_TRUE(job.status.start_time.has_value());
  EXPECT_EQ(events_.CountReason("RankTableReady"), 1);
  EXPECT_EQ(events_.CountReason("Running"), 1);
}

TEST_F(JobReconcilerTest, HeartbeatsSetStepCheckpointAndSuccess) {
  StartRunning();
  SendHeartbeat(0, kRankRunning, 60);
  SendHeartbeat(1, kRankRunning, 55);
  Reconcile();
  kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.step, 55);
  EXPECT_EQ(job.status.total_steps, 100);
  ASSERT_TRUE(job.status.last_checkpoint.has_value());
  EXPECT_EQ(job.status.last_checkpoint->step, 50);

  SendHeartbeat(0, kRankSucceeded, 100);
  Reconcile();
  EXPECT_EQ(Job().status.phase, JobPhase::kRunning);  // rank index 1 is not done yet
  SendHeartbeat(1, kRankSucceeded, 100);
  Reconcile();
  job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kSucceeded);
  EXPECT_EQ(job.status.step, 100);
  EXPECT_TRUE(job.status.completion_time.has_value());
  EXPECT_EQ(events_.CountReason("Succeeded"), 1);
}

TEST_F(JobReconcilerTest, InvalidSpecFailsWithAConditionNamingTheFieldAndNoPods) {
  nlohmann::json bad = testing::JobJson("tiny");
  bad["spec"]["npusPerReplica"] = 3;
  CreateJob(bad);
  Reconcile();
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kFailed);
  const kube::Condition* valid = kube::FindCondition(job.status.conditions, kConditionValid);
  ASSERT_NE(valid, nullptr);
  EXPECT_EQ(valid->status, kube::ConditionStatus::kFalse);
  EXPECT_EQ(valid->reason, "InvalidSpec");
  EXPECT_THAT(valid->message, HasSubstr("spec.npusPerReplica"));
  EXPECT_THAT(PodNames(), IsEmpty());
  EXPECT_THAT(events_.Strings(), Contains(HasSubstr("Warning InvalidSpec spec.npusPerReplica")));
}

TEST_F(JobReconcilerTest, SuspendDeletesPodsAndResumeStartsTheNextGeneration) {
  StartRunning();
  SendHeartbeat(0, kRankRunning, 60);
  SendHeartbeat(1, kRankRunning, 60);
  Reconcile();
  PatchSpec({{"suspend", true}});
  Reconcile();
  EXPECT_THAT(PodNames(), IsEmpty());
  EXPECT_EQ(Job().status.phase, JobPhase::kSuspended);
  EXPECT_EQ(Job().status.last_checkpoint->step, 50);

  clock_.Advance(absl::Seconds(90));  // suspended for 90 s
  PatchSpec({{"suspend", false}});
  Reconcile();
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g1", "tiny-1-g1"));
  kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.suspended_millis, 90000);  // left out of goodput's wall time
  EXPECT_EQ(job.status.restart_generation, 1);
  EXPECT_EQ(job.status.phase, JobPhase::kScheduling);
  EXPECT_EQ(job.status.last_checkpoint->step, 50);
  EXPECT_EQ(events_.CountReason("Resumed"), 1);
  // The old generation's heartbeats are refused; the rank table waits for the new pods.
  EXPECT_TRUE(absl::IsAborted(
      registry_
          .RecordHeartbeat("default.tiny",
                           testing::HeartbeatOf("tiny-0-g0", 0, 0, 2, kRankRunning, 61))
          .status()));
  BindAll(1);
  Reconcile();
  EXPECT_EQ(Job().status.phase, JobPhase::kRunning);
}

TEST_F(JobReconcilerTest, FinishedJobIsDeletedAfterItsTtl) {
  nlohmann::json job = testing::JobJson("tiny");
  job["spec"]["ttlSecondsAfterFinished"] = 60;
  CreateJob(job);
  Reconcile();
  BindAll();
  Reconcile();
  SendHeartbeat(0, kRankSucceeded, 100);
  SendHeartbeat(1, kRankSucceeded, 100);
  EXPECT_EQ(Reconcile().requeue_after, absl::Seconds(60));
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(Reconcile().requeue_after, absl::Seconds(30));
  clock_.Advance(absl::Seconds(30));
  Reconcile();
  EXPECT_FALSE(api_.Get(kube::PostTrainingJobsResource(), "default", "tiny").has_value());
  Reconcile();  // gone: forgotten
  EXPECT_FALSE(registry_.Token("default.tiny").has_value());
}

TEST_F(JobReconcilerTest, FaultsFromPodsHeartbeatsAndSilenceAreRecorded) {
  StartRunning();
  SendHeartbeat(0, kRankRunning, 10);
  SendHeartbeat(1, kRankRunning, 10);
  nlohmann::json pod = *api_.Get(kube::PodsResource(), "default", "tiny-1-g0");
  pod["status"]["phase"] = "Failed";
  ASSERT_TRUE(api_.Upsert(kube::PodsResource(), pod).ok());
  ::flyover::op::Heartbeat exit = testing::HeartbeatOf("tiny-0-g0", 0, 0, 2, kRankRunning, 10);
  exit.events.push_back({.type = "RankExit",
                         .rank = 1,
                         .exit_code = 137,
                         .signal = 9,
                         .at = clock_.Now() - absl::Milliseconds(300)});
  ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", exit).ok());
  Reconcile();
  std::vector<kube::FaultRecord> faults = Job().status.faults;
  ASSERT_THAT(faults, SizeIs(2));
  EXPECT_EQ(faults[0].fault_class, "RankExit");  // recorded when the heartbeat came
  EXPECT_EQ(faults[0].pod, "tiny-0-g0");
  EXPECT_EQ(faults[0].rank, 1);
  EXPECT_EQ(faults[0].detection_millis, 300);
  EXPECT_EQ(faults[1].fault_class, "PodFailed");
  EXPECT_EQ(faults[1].node, "n2");
  EXPECT_EQ(events_.CountReason("FaultDetected"), 2);

  clock_.Advance(absl::Seconds(11));  // heartbeatTimeoutSeconds defaults to 10
  Reconcile();
  faults = Job().status.faults;
  ASSERT_THAT(faults, SizeIs(4));
  EXPECT_EQ(faults[2].fault_class, "HeartbeatTimeout");
  EXPECT_EQ(faults[3].fault_class, "HeartbeatTimeout");
  Reconcile();
  EXPECT_THAT(Job().status.faults, SizeIs(4));  // recorded once
}

TEST_F(JobReconcilerTest, LostPodAndNotReadyNodeAreFaultsAndThePodIsNotRecreated) {
  StartRunning();
  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "default", "tiny-1-g0").ok());
  nlohmann::json node = *api_.Get(kube::NodesResource(), "", "n1");
  node["status"]["conditions"][0]["status"] = "Unknown";
  ASSERT_TRUE(api_.Upsert(kube::NodesResource(), node).ok());
  Reconcile();
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0"));  // not silently recreated
  const std::vector<kube::FaultRecord> faults = Job().status.faults;
  ASSERT_THAT(faults, SizeIs(2));
  EXPECT_EQ(faults[0].fault_class, "PodDeleted");
  EXPECT_EQ(faults[0].pod, "tiny-1-g0");
  EXPECT_EQ(faults[1].fault_class, "NodeNotReady");
  EXPECT_EQ(faults[1].node, "n1");
  // The ladder waits out its backoff (1 s by default) before it acts.
  EXPECT_EQ(Job().status.phase, JobPhase::kRecovering);
  EXPECT_EQ(Job().status.restart_generation, 0);
}

TEST_F(JobReconcilerTest, SecretOwnedBySomeoneElseFailsTheJob) {
  ASSERT_TRUE(api_.Create(kube::SecretsResource(),
                          {{"apiVersion", "v1"},
                           {"kind", "Secret"},
                           {"metadata", {{"name", "tiny-supervision"}, {"namespace", "default"}}},
                           {"data", {{"token", "eA=="}}}})
                  .ok());
  CreateJob(testing::JobJson("tiny"));
  Reconcile();
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kFailed);
  const kube::Condition* failed = kube::FindCondition(job.status.conditions, kConditionFailed);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->reason, "OwnedObjectConflict");
  EXPECT_THAT(failed->message, HasSubstr("secrets \"tiny-supervision\""));
  EXPECT_THAT(PodNames(), IsEmpty());
}

// The reconcile that publishes the rank table may fail to write its status (a conflict,
// a lost leadership): the next one reads the placement again instead of never recording it.
TEST_F(JobReconcilerTest, PlacementIsRecordedWhenTheTablesStatusWriteFailed) {
  CreateJob(testing::JobJson("tiny", 2, 2, 100));
  Reconcile();
  BindAll();
  api_.FailNext({.verb = "update", .resource = "posttrainingjobs", .subresource = "status"}, 409);
  (void)reconciler_.Reconcile("default/tiny");
  ASSERT_FALSE(Job().status.placement.has_value()) << "the status write was expected to fail";
  Reconcile();
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kRunning);
  ASSERT_TRUE(job.status.placement.has_value());
  EXPECT_EQ(job.status.placement->nodes, 2);
  EXPECT_EQ(job.status.placement->super_pods_spanned, 1);
}

// Status times are whole seconds: a fault read back from the API is the one still held in
// memory with its milliseconds, and is not appended again.
TEST(JobStatusTest, SameFaultMatchesAcrossTheStatusRoundTrip) {
  kube::FaultRecord held{.fault_class = "RankExit", .pod = "tiny-0-g0", .rank = 1,
                         .message = "rank 1 exited: exit code 3"};
  held.detected_at = absl::FromUnixMillis(1795000000123);
  kube::FaultRecord stored = held;
  stored.detected_at = absl::FromUnixSeconds(1795000000);
  EXPECT_TRUE(SameFault(held, stored));
  std::vector<kube::FaultRecord> status = {stored};
  EXPECT_EQ(MergeFaults({held}, &status), 0);
  EXPECT_THAT(status, SizeIs(1));
  kube::FaultRecord later = held;
  later.detected_at = absl::FromUnixSeconds(1795000001);
  EXPECT_FALSE(SameFault(later, stored));
}

TEST_F(JobReconcilerTest, TransientApiErrorsAreReturnedForRetry) {
  CreateJob(testing::JobJson("tiny"));
  api_.FailNext({.verb = "create", .resource = "pods"}, 500);
  EXPECT_FALSE(reconciler_.Reconcile("default/tiny").ok());
  Reconcile();
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g0"));
  EXPECT_FALSE(reconciler_.Reconcile("bad-key").ok());
}

}  // namespace
}  // namespace flyover::op
