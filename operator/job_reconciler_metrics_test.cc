// The reconciler's metrics and the status they mirror, on the fake API server: detection
// and recovery histograms, restarts by level, goodput and step per job (removed with the
// job), a Straggler that is reported but restarts nothing, and the Running condition while
// Recovering.
#include <memory>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/client/resource.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "operator/job_reconciler.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using kube::JobPhase;
using kube::MetricValue;
using ::testing::SizeIs;

class JobMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n1", "10.0.0.1", "0", 0)).ok());
    ASSERT_TRUE(
        api_.Create(kube::NodesResource(), testing::NodeJson("n2", "10.0.0.2", "0", 1)).ok());
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), testing::JobJson("tiny")).ok());
    Reconcile();
    ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-0-g0", "n1", {0, 1}).ok());
    ASSERT_TRUE(testing::BindPod(*client_, "default", "tiny-1-g0", "n2", {0, 1}).ok());
    Reconcile();
    ASSERT_EQ(Job().status.phase, JobPhase::kRunning);
  }

  void Reconcile() { ASSERT_TRUE(reconciler_.Reconcile("default/tiny").ok()); }

  kube::PostTrainingJob Job() {
    kube::ErrorList errors;
    return kube::DecodePostTrainingJob(
        api_.Get(kube::PostTrainingJobsResource(), "default", "tiny").value(), &errors);
  }

  // Both pods heartbeat at `generation` and `step`; pod 1's second rank (global rank 3)
  // steps in `slow_millis`.
  void Beat(int32_t generation, int64_t step, double slow_millis = 40) {
    for (int32_t rank = 0; rank < 2; ++rank) {
      Heartbeat beat = testing::HeartbeatOf(PodName("tiny", rank, 0), rank,
                                            generation, 2, kRankRunning, step);
      if (rank == 1) beat.ranks[1].step_millis = slow_millis;
      ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", beat).ok());
    }
  }

  std::optional<double> Metric(const std::string& name,
                               const std::map<std::string, std::string>& labels) {
    return MetricValue(prometheus_, name, labels);
  }

  kube::ConditionStatus RunningCondition() {
    const kube::PostTrainingJob job = Job();
    const kube::Condition* running = kube::FindCondition(job.status.conditions, "Running");
    return running == nullptr ? kube::ConditionStatus::kUnknown : running->status;
  }

  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  SupervisionRegistry registry_{&clock_};
  kube::FakeEventRecorder events_;
  prometheus::Registry prometheus_;
  OperatorMetrics metrics_{prometheus_};
  JobReconciler reconciler_{client_.get(),
                            &registry_,
                            &events_,
                            &metrics_,
                            {.pods = {.supervision_url = "http://op:9443"}, .clock = &clock_}};
};

TEST_F(JobMetricsTest, AnInPlaceRecoveryFeedsTheHistogramsCountersAndGoodput) {
  const std::map<std::string, std::string> job = {{"namespace", "default"}, {"job", "tiny"}};
  Beat(0, 10);
  Reconcile();
  EXPECT_EQ(Metric("flyover_operator_job_step", job), 10);
  EXPECT_EQ(Metric("flyover_operator_job_goodput_ratio", job), 1);
  EXPECT_EQ(Metric("flyover_operator_restarts_total", {{"level", "InPlace"}}), 0);

  clock_.Advance(absl::Seconds(60));
  Beat(0, 20);
  Heartbeat exit = testing::HeartbeatOf("tiny-0-g0", 0, 0, 2, kRankRunning, 20);
  exit.events.push_back({.type = "RankExit", .rank = 0, .exit_code = 137,
                         .at = clock_.Now() - absl::Milliseconds(300)});
  ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", exit).ok());
  Reconcile();
  EXPECT_EQ(Job().status.phase, JobPhase::kRecovering);
  EXPECT_EQ(RunningCondition(), kube::ConditionStatus::kFalse);
  EXPECT_EQ(Metric("flyover_operator_fault_detection_seconds", {{"class", "RankExit"}}), 1);
  EXPECT_DOUBLE_EQ(
      *kube::SampleSum(prometheus_, "flyover_operator_fault_detection_seconds",
                       {{"class", "RankExit"}}),
      0.3);
  const kube::PostTrainingJob waiting = Job();
  Reconcile();  // an idle reconcile while recovering writes nothing (the condition is stable)
  EXPECT_EQ(Job().metadata.resource_version, waiting.metadata.resource_version);
  clock_.Advance(absl::Seconds(1));
  Reconcile();  // the backoff is over: in place into generation 1
  EXPECT_EQ(Metric("flyover_operator_restarts_total", {{"level", "InPlace"}}), 1);
  EXPECT_EQ(Metric("flyover_operator_restarts_total", {{"level", "RestartJob"}}), 0);

  clock_.Advance(absl::Seconds(3));
  Beat(1, 10);  // resumed from step 10: steps 10..20 are recomputed
  clock_.Advance(absl::Seconds(1));
  Beat(1, 11);
  Reconcile();
  kube::PostTrainingJob recovered = Job();
  EXPECT_EQ(recovered.status.phase, JobPhase::kRunning);
  EXPECT_EQ(RunningCondition(), kube::ConditionStatus::kTrue);
  EXPECT_EQ(Metric("flyover_operator_recovery_seconds", {{"level", "InPlace"}}), 1);
  EXPECT_DOUBLE_EQ(*kube::SampleSum(prometheus_, "flyover_operator_recovery_seconds",
                                    {{"level", "InPlace"}}),
                   5.0);
  // 5 s of recovery + 10 recomputed steps x 40 ms, in 65 s since the job first ran.
  EXPECT_EQ(recovered.status.unproductive_millis, 5400);
  ASSERT_TRUE(recovered.status.goodput.has_value());
  EXPECT_DOUBLE_EQ(*recovered.status.goodput, 0.92);
  EXPECT_NEAR(*Metric("flyover_operator_job_goodput_ratio", job), 1 - 5.4 / 65, 1e-9);
  EXPECT_EQ(Metric("flyover_operator_job_step", job), 20);

  ASSERT_TRUE(api_.Delete(kube::PostTrainingJobsResource(), "default", "tiny").ok());
  Reconcile();
  EXPECT_FALSE(Metric("flyover_operator_job_step", job).has_value());
  EXPECT_FALSE(Metric("flyover_operator_job_goodput_ratio", job).has_value());
}

TEST_F(JobMetricsTest, AStragglerIsReportedOnceAndRestartsNothing) {
  for (int i = 0; i < 8; ++i) {
    clock_.Advance(absl::Seconds(1));
    Beat(0, 10 + i, /*slow_millis=*/400);
    Reconcile();
  }
  kube::PostTrainingJob job = Job();
  ASSERT_THAT(job.status.faults, SizeIs(1));
  const kube::FaultRecord& fault = job.status.faults[0];
  EXPECT_EQ(fault.fault_class, "Straggler");
  EXPECT_EQ(fault.pod, "tiny-1-g0");
  EXPECT_EQ(fault.node, "n2");
  EXPECT_EQ(fault.rank, 3);
  EXPECT_FALSE(fault.recovery_level.has_value());
  EXPECT_EQ(job.status.phase, JobPhase::kRunning);
  EXPECT_EQ(job.status.restart_generation, 0);
  EXPECT_EQ(job.status.restarts.total, 0);
  EXPECT_EQ(job.status.goodput, 1.0);
  EXPECT_EQ(events_.CountReason("FaultDetected"), 1);
  EXPECT_EQ(events_.CountReason("RecoveryStarted"), 0);
  EXPECT_EQ(Metric("flyover_operator_faults_total", {{"class", "Straggler"}}), 1);
}

}  // namespace
}  // namespace flyover::op
