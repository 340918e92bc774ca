// The recovery ladder end to end through JobReconciler, on the fake API server: in place,
// reschedule pod, restart job, escalation and failure after maxRestarts.
#include <memory>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/client/resource.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "operator/job_reconciler.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using kube::JobPhase;
using kube::RecoveryLevel;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

namespace sched = kube::scheduling;

class JobRecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n1", "10.0.0.1", "0", 0)).ok());
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n2", "10.0.0.2", "0", 1)).ok());
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n3", "10.0.0.3", "0", 2)).ok());
  }

  kube::Result Reconcile() {
    absl::StatusOr<kube::Result> result = reconciler_.Reconcile("default/tiny");
    EXPECT_TRUE(result.ok()) << result.status();
    return result.value_or(kube::Result{});
  }

  kube::PostTrainingJob Job() {
    std::optional<nlohmann::json> raw =
        api_.Get(kube::PostTrainingJobsResource(), "default", "tiny");
    EXPECT_TRUE(raw.has_value());
    kube::ErrorList errors;
    return kube::DecodePostTrainingJob(raw.value_or(nlohmann::json::object()), &errors);
  }

  std::vector<std::string> PodNames() {
    std::vector<std::string> names;
    for (const nlohmann::json& pod : api_.List(kube::PodsResource(), "default")) {
      if (!pod["metadata"].contains("deletionTimestamp")) names.push_back(pod["metadata"]["name"]);
    }
    return names;
  }

  void Bind(const std::string& pod, const std::string& node, std::vector<int> dies) {
    ASSERT_TRUE(testing::BindPod(*client_, "default", pod, node, dies).ok());
  }

  // A heartbeat of `pod` (rank index `rank`) at `generation`; returns its commands.
  std::vector<Command> Beat(const std::string& pod, int32_t rank, int32_t generation,
                            int64_t step) {
    absl::StatusOr<std::vector<Command>> commands = registry_.RecordHeartbeat(
        "default.tiny", testing::HeartbeatOf(pod, rank, generation, 2, kRankRunning, step));
    EXPECT_TRUE(commands.ok()) << commands.status();
    return commands.value_or(std::vector<Command>{});
  }

  void RankExit(const std::string& pod, int32_t rank, int32_t generation, int64_t step) {
    Heartbeat heartbeat = testing::HeartbeatOf(pod, rank, generation, 2, kRankRunning, step);
    heartbeat.events.push_back({.type = "RankExit", .rank = rank * 2, .exit_code = 137});
    ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", heartbeat).ok());
  }

  // Creates the job (with `fault_tolerance` merged into its spec) and takes it to Running
  // at step 10.
  void StartRunning(const nlohmann::json& fault_tolerance = nlohmann::json::object()) {
    nlohmann::json job = testing::JobJson("tiny", 2, 2, 100);
    job["spec"]["faultTolerance"] = fault_tolerance;
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), job).ok());
    Reconcile();
    Bind("tiny-0-g0", "n1", {0, 1});
    Bind("tiny-1-g0", "n2", {2, 3});
    Reconcile();
    ASSERT_EQ(Job().status.phase, JobPhase::kRunning);
    Beat("tiny-0-g0", 0, 0, 10);
    Beat("tiny-1-g0", 1, 0, 10);
  }

  nlohmann::json Annotations(const std::string& pod) {
    return (*api_.Get(kube::PodsResource(), "default", pod))["metadata"]["annotations"];
  }

  // Reconciles (the ladder waits out its backoff), lets `backoff` pass, reconciles again.
  void ReconcileAfterBackoff(absl::Duration backoff = absl::Seconds(1)) {
    Reconcile();
    clock_.Advance(backoff);
    Reconcile();
  }

  bool HasRankTable(int32_t generation) {
    std::optional<JobProgress> progress = registry_.Progress("default.tiny");
    return progress.has_value() && progress->generation == generation &&
           progress->rank_table.has_value();
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

TEST_F(JobRecoveryTest, RankExitOnRankZeroRecoversInPlaceAfterTheBackoff) {
  StartRunning();
  const absl::Time detected = clock_.Now();
  RankExit("tiny-0-g0", 0, 0, 10);
  EXPECT_EQ(Reconcile().requeue_after, absl::Seconds(1));  // backoff.initialSeconds
  EXPECT_EQ(Job().status.phase, JobPhase::kRecovering);
  EXPECT_EQ(Job().status.restart_generation, 0);

  clock_.Advance(absl::Seconds(1));
  Reconcile();
  kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.restart_generation, 1);
  EXPECT_EQ(job.status.restarts,
            (kube::RestartCounts{
                .in_place = 1, .reschedule_pod = 0, .restart_job = 0, .total = 1}));
  ASSERT_THAT(job.status.faults, SizeIs(1));
  EXPECT_EQ(job.status.faults[0].recovery_level, RecoveryLevel::kInPlace);
  EXPECT_EQ(job.status.phase, JobPhase::kRecovering);
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g0"));  // the pods stay
  EXPECT_TRUE(HasRankTable(1));                                      // re-served, same placement
  EXPECT_EQ(events_.CountReason("RecoveryStarted"), 1);

  Reconcile();  // a repeated reconcile starts nothing new
  EXPECT_EQ(Job().status.restart_generation, 1);
  EXPECT_EQ(Job().status.restarts.total, 1);

  for (int32_t rank = 0; rank < 2; ++rank) {  // superseded agents get their command
    const std::vector<Command> commands = Beat(PodName("tiny", rank, 0), rank, 0, 10);
    ASSERT_THAT(commands, SizeIs(1));
    EXPECT_EQ(commands[0].kind, kCommandRestartInPlace);
    EXPECT_EQ(commands[0].generation, 1);
    EXPECT_FALSE(commands[0].resume_step.has_value());  // newest complete state
  }
  clock_.Advance(absl::Seconds(2));
  Beat("tiny-0-g0", 0, 1, 10);
  Beat("tiny-1-g0", 1, 1, 10);
  Reconcile();
  EXPECT_EQ(Job().status.phase, JobPhase::kRecovering);  // no step completed yet
  clock_.Advance(absl::Milliseconds(500));
  Beat("tiny-0-g0", 0, 1, 11);
  Beat("tiny-1-g0", 1, 1, 11);
  Reconcile();
  job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kRunning);
  // API times have whole seconds; recoveryMillis is exact.
  EXPECT_EQ(job.status.faults[0].recovered_at,
            absl::FromUnixSeconds(absl::ToUnixSeconds(clock_.Now())));
  EXPECT_EQ(job.status.faults[0].recovery_millis,
            absl::ToInt64Milliseconds(clock_.Now() - detected));
  EXPECT_EQ(events_.CountReason("Recovered"), 1);
}

TEST_F(JobRecoveryTest, ADeletedPodIsReplacedAndTheOthersRestartOnceItIsBound) {
  StartRunning();
  ASSERT_TRUE(api_.Delete(kube::PodsResource(), "default", "tiny-1-g0").ok());
  ReconcileAfterBackoff();
  kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.restart_generation, 1);
  EXPECT_EQ(job.status.restarts.reschedule_pod, 1);
  ASSERT_THAT(job.status.faults, SizeIs(1));
  EXPECT_EQ(job.status.faults[0].fault_class, "PodDeleted");
  EXPECT_EQ(job.status.faults[0].recovery_level, RecoveryLevel::kReschedulePod);
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g1"));
  const nlohmann::json annotations = Annotations("tiny-1-g1");
  EXPECT_EQ(annotations[sched::kAnnotationReplacement], "true");
  EXPECT_EQ(annotations[sched::kAnnotationGang], "tiny-g0");  // the running gang
  EXPECT_EQ(annotations["hccl/rankIndex"], "1");
  EXPECT_FALSE(HasRankTable(1));
  absl::StatusOr<std::vector<Command>> early = registry_.RecordHeartbeat(
      "default.tiny", testing::HeartbeatOf("tiny-0-g0", 0, 0, 2, kRankRunning, 10));
  EXPECT_TRUE(absl::IsAborted(early.status()));  // nothing to do before the replacement is bound

  Reconcile();  // idempotent while the replacement waits for the scheduler
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g1"));
  EXPECT_EQ(Job().status.restarts.total, 1);

  Bind("tiny-1-g1", "n3", {4, 5});
  Reconcile();
  EXPECT_TRUE(HasRankTable(1));
  const std::vector<Command> commands = Beat("tiny-0-g0", 0, 0, 10);
  ASSERT_THAT(commands, SizeIs(1));
  EXPECT_EQ(commands[0].kind, kCommandRestartInPlace);
  EXPECT_EQ(commands[0].generation, 1);

  Beat("tiny-0-g0", 0, 1, 10);
  Beat("tiny-1-g1", 1, 1, 10);
  clock_.Advance(absl::Seconds(3));
  Beat("tiny-0-g0", 0, 1, 11);
  Beat("tiny-1-g1", 1, 1, 11);
  Reconcile();
  job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kRunning);
  EXPECT_EQ(job.status.faults[0].recovery_millis, 4000);  // 1 s backoff + 3 s
  EXPECT_EQ(job.status.placement->nodes, 2);
}

TEST_F(JobRecoveryTest, RestartJobRecreatesEveryPodAsAFreshGang) {
  StartRunning({{"recoveryLevels", {"RestartJob"}}});
  RankExit("tiny-1-g0", 1, 0, 10);
  ReconcileAfterBackoff();
  kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.restart_generation, 1);
  EXPECT_EQ(job.status.restarts.restart_job, 1);
  EXPECT_EQ(job.status.faults[0].recovery_level, RecoveryLevel::kRestartJob);
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g1", "tiny-1-g1"));
  EXPECT_EQ(Annotations("tiny-0-g1")[sched::kAnnotationGang], "tiny-g1");
  EXPECT_FALSE(Annotations("tiny-0-g1").contains(sched::kAnnotationReplacement));

  Bind("tiny-0-g1", "n1", {0, 1});
  Bind("tiny-1-g1", "n3", {4, 5});
  Reconcile();
  EXPECT_TRUE(HasRankTable(1));
  Beat("tiny-0-g1", 0, 1, 0);
  Beat("tiny-1-g1", 1, 1, 0);
  clock_.Advance(absl::Seconds(4));
  Beat("tiny-0-g1", 0, 1, 1);
  Beat("tiny-1-g1", 1, 1, 1);
  Reconcile();
  EXPECT_EQ(Job().status.phase, JobPhase::kRunning);
  EXPECT_EQ(Job().status.faults[0].recovery_millis, 5000);  // 1 s backoff + 4 s
}

TEST_F(JobRecoveryTest, AFaultDuringAnInPlaceAttemptEscalatesToReschedule) {
  StartRunning();
  RankExit("tiny-1-g0", 1, 0, 10);
  ReconcileAfterBackoff();
  ASSERT_EQ(Job().status.restart_generation, 1);
  clock_.Advance(absl::Seconds(1));
  RankExit("tiny-1-g0", 1, 1, 10);  // the restarted ranks fail again
  Reconcile();
  EXPECT_EQ(Job().status.restart_generation, 1);  // the second restart backs off 2 s
  clock_.Advance(absl::Seconds(2));
  Reconcile();
  kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.restart_generation, 2);
  EXPECT_EQ(job.status.restarts,
            (kube::RestartCounts{
                .in_place = 1, .reschedule_pod = 1, .restart_job = 0, .total = 2}));
  ASSERT_THAT(job.status.faults, SizeIs(2));
  EXPECT_EQ(job.status.faults[0].recovery_level, RecoveryLevel::kReschedulePod);
  EXPECT_EQ(job.status.faults[1].recovery_level, RecoveryLevel::kReschedulePod);
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g2"));
  EXPECT_EQ(events_.CountReason("RecoveryEscalated"), 1);
}

TEST_F(JobRecoveryTest, AnInPlaceAttemptThatTimesOutEscalatesToReschedule) {
  StartRunning();
  RankExit("tiny-0-g0", 0, 0, 10);
  ReconcileAfterBackoff();
  ASSERT_EQ(Job().status.restart_generation, 1);
  clock_.Advance(absl::Seconds(59));  // no agent restarted: no heartbeat at generation 1
  Reconcile();
  EXPECT_EQ(Job().status.restart_generation, 1);
  clock_.Advance(absl::Seconds(1));  // the in-place timeout (60 s); backoff 2 s from then
  ReconcileAfterBackoff(absl::Seconds(2));
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.restart_generation, 2);
  EXPECT_EQ(job.status.faults[0].recovery_level, RecoveryLevel::kReschedulePod);
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g2", "tiny-1-g0"));
  EXPECT_EQ(events_.CountReason("RecoveryEscalated"), 1);
}

TEST_F(JobRecoveryTest, TheJobFailsWithAClearReasonAfterMaxRestarts) {
  StartRunning({{"maxRestarts", 1}});
  RankExit("tiny-0-g0", 0, 0, 10);
  ReconcileAfterBackoff();
  ASSERT_EQ(Job().status.restarts.total, 1);
  clock_.Advance(absl::Seconds(1));
  RankExit("tiny-0-g0", 0, 1, 10);
  Reconcile();
  const kube::PostTrainingJob job = Job();
  EXPECT_EQ(job.status.phase, JobPhase::kFailed);
  const kube::Condition* failed = nullptr;
  for (const kube::Condition& condition : job.status.conditions) {
    if (condition.type == "Failed") failed = &condition;
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->reason, "MaxRestartsExceeded");
  EXPECT_THAT(failed->message, HasSubstr("faultTolerance.maxRestarts: all 1 restarts are used"));
  EXPECT_THAT(PodNames(), SizeIs(0));
  EXPECT_EQ(job.status.restarts.total, 1);
}

TEST_F(JobRecoveryTest, APodOnAnUnreachableNodeIsReplacedAtOnceAndForceDeleted) {
  StartRunning({{"backoff", {{"initialSeconds", 1}, {"maxSeconds", 1}}}});
  // The node lifecycle controller's verdict on n2: its Lease went stale.
  ASSERT_TRUE(client_
                  ->Patch(kube::NodesResource(), "", "n2",
                          {{"status",
                            {{"conditions",
                              {{{"type", "Ready"},
                                {"status", "Unknown"},
                                {"reason", "NodeStatusUnknown"},
                                {"message", "Kubelet stopped posting node status."}}}}}}},
                          {.subresource = "status"})
                  .ok());
  ReconcileAfterBackoff();
  kube::PostTrainingJob job = Job();
  ASSERT_THAT(job.status.faults, SizeIs(1));
  EXPECT_EQ(job.status.faults[0].fault_class, "NodeNotReady");
  EXPECT_EQ(job.status.faults[0].recovery_level, RecoveryLevel::kReschedulePod);
  EXPECT_EQ(job.status.restart_generation, 1);
  // The replacement (same rank index, next generation) exists and the old pod is gone:
  // deleted with grace period 0, since its kubelet cannot confirm a graceful deletion.
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g1"));
  EXPECT_EQ(Annotations("tiny-1-g1")["hccl/rankIndex"], "1");
  const std::vector<kube::testing::Action> deletes =
      api_.Actions({.verb = "delete", .resource = "pods", .name = "tiny-1-g0"});
  ASSERT_THAT(deletes, SizeIs(1));
  const nlohmann::json& options = deletes[0].body;
  EXPECT_TRUE((options.is_object() && options.value("gracePeriodSeconds", -1) == 0) ||
              (deletes[0].params.contains("gracePeriodSeconds") &&
               deletes[0].params.at("gracePeriodSeconds") == "0"))
      << deletes[0].body << " " << deletes[0].ToString();
  EXPECT_FALSE(api_.Get(kube::PodsResource(), "default", "tiny-1-g0").has_value());
}

TEST_F(JobRecoveryTest, ASilentPodOnANodeWithAStaleLeaseIsReplacedNotRestartedInPlace) {
  StartRunning({{"backoff", {{"initialSeconds", 1}, {"maxSeconds", 1}}}});
  // n2's kubelet renewed its Lease last at the start; its Ready condition still says True
  // (the lifecycle controller's 40 s grace period has not run out).
  nlohmann::json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                          {"kind", "Lease"},
                          {"metadata", {{"name", "n2"}, {"namespace", "kube-node-lease"}}},
                          {"spec",
                           {{"holderIdentity", "n2"},
                            {"leaseDurationSeconds", 40},
                            {"renewTime", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", clock_.Now(),
                                                           absl::UTCTimeZone())}}}};
  ASSERT_TRUE(api_.Create(kube::LeasesResource(), lease).ok());
  for (int second = 1; second <= 25; ++second) {
    clock_.Advance(absl::Seconds(1));
    Beat("tiny-0-g0", 0, 0, 10 + second);
  }
  ReconcileAfterBackoff();
  kube::PostTrainingJob job = Job();
  std::vector<std::string> classes;
  for (const kube::FaultRecord& fault : job.status.faults) {
    classes.push_back(fault.fault_class);
    EXPECT_EQ(fault.pod, "tiny-1-g0");
    EXPECT_EQ(fault.recovery_level, RecoveryLevel::kReschedulePod);
    // A node's loss is timed from its last Lease renewal: 25 s before the first reconcile
    // that saw its pod silent.
    if (fault.fault_class == "NodeNotReady") {
      EXPECT_EQ(fault.detection_millis, 25000);
    }
  }
  EXPECT_THAT(classes, ::testing::UnorderedElementsAre("NodeNotReady", "HeartbeatTimeout"));
  EXPECT_EQ(job.status.restarts.reschedule_pod, 1);
  EXPECT_EQ(job.status.restarts.in_place, 0);
  EXPECT_THAT(PodNames(), ElementsAre("tiny-0-g0", "tiny-1-g1"));
}

}  // namespace
}  // namespace flyover::op
