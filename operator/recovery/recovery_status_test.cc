#include "operator/recovery/recovery_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

using kube::JobPhase;
using kube::RecoveryLevel;
using ::testing::ElementsAre;
using ::testing::Pair;

const absl::Time kStatusT0 = absl::FromUnixSeconds(1795000000);

kube::FaultRecord StatusFaultOf(const std::string& fault_class, const std::string& pod) {
  kube::FaultRecord fault;
  fault.fault_class = fault_class;
  fault.pod = pod;
  fault.detected_at = kStatusT0;
  return fault;
}

kube::PostTrainingJobSpec Spec() {
  kube::PostTrainingJobSpec spec;
  spec.replicas = 3;
  spec.fault_tolerance.backoff = {.initial_seconds = 0, .max_seconds = 0};
  return spec;
}

JobProgress ProgressOf(int32_t generation, absl::Time registered_at) {
  JobProgress progress;
  progress.generation = generation;
  progress.registered_at = registered_at;
  progress.pods = {"tiny-0-g0", "tiny-1-g0"};
  return progress;
}

TEST(RecoveryStatusTest, RankIndexOfPodParsesOnlyTheJobsPodNames) {
  EXPECT_EQ(RankIndexOfPod("tiny", "tiny-12-g3"), 12);
  EXPECT_EQ(RankIndexOfPod("tiny", "tiny-0-g0"), 0);
  EXPECT_FALSE(RankIndexOfPod("tiny", "other-1-g0").has_value());
  EXPECT_FALSE(RankIndexOfPod("tiny", "tiny-x-g0").has_value());
  EXPECT_FALSE(RankIndexOfPod("tiny", "tiny-1").has_value());
}

TEST(RecoveryStatusTest, AStartBumpsTheGenerationOnceAndARepeatStartsNothing) {
  kube::PostTrainingJobStatus status;
  status.phase = JobPhase::kRunning;
  status.faults = {StatusFaultOf(kFaultRankExit, "tiny-0-g0")};
  RecoveryStep step = AdvanceRecovery(Spec(), ProgressOf(0, kStatusT0 - absl::Minutes(1)), kStatusT0, {},
                                      &status);
  EXPECT_EQ(step.decision.action, RecoveryAction::kStart);
  EXPECT_EQ(status.restart_generation, 1);
  EXPECT_EQ(status.phase, JobPhase::kRecovering);
  EXPECT_EQ(status.faults[0].recovery_level, RecoveryLevel::kInPlace);

  // The registry has moved to generation 1 when the next reconcile comes.
  step = AdvanceRecovery(Spec(), ProgressOf(1, kStatusT0), kStatusT0 + absl::Seconds(1), {}, &status);
  EXPECT_EQ(step.decision.action, RecoveryAction::kNone);
  EXPECT_EQ(status.restart_generation, 1);
  EXPECT_EQ(status.restarts.total, 1);
  EXPECT_EQ(status.phase, JobPhase::kRecovering);
}

TEST(RecoveryStatusTest, TheIncidentCompletesWhenEveryPodStepsPastItsBaseline) {
  kube::PostTrainingJobStatus status;
  status.restart_generation = 1;
  status.faults = {StatusFaultOf(kFaultRankExit, "tiny-0-g0")};
  status.faults[0].recovery_level = RecoveryLevel::kInPlace;
  JobProgress progress = ProgressOf(1, kStatusT0);
  progress.heartbeats["tiny-0-g0"] = {.step = 11, .step_changed_at = kStatusT0 + absl::Seconds(2),
                                      .baseline_step = 10};
  progress.heartbeats["tiny-1-g0"] = {.step = 10, .step_changed_at = kStatusT0 + absl::Seconds(1),
                                      .baseline_step = 10};
  EXPECT_FALSE(StepCompletedByAllPods(progress).has_value());
  progress.heartbeats["tiny-1-g0"].step = 11;
  progress.heartbeats["tiny-1-g0"].step_changed_at = kStatusT0 + absl::Seconds(3);
  EXPECT_EQ(StepCompletedByAllPods(progress), kStatusT0 + absl::Seconds(3));

  status.phase = JobPhase::kRunning;
  RecoveryStep step = AdvanceRecovery(Spec(), progress, kStatusT0 + absl::Seconds(4), {}, &status);
  EXPECT_EQ(step.recovered_at, kStatusT0 + absl::Seconds(3));
  EXPECT_EQ(status.faults[0].recovery_millis, 3000);
  EXPECT_EQ(status.phase, JobPhase::kRunning);
  EXPECT_FALSE(ActiveRecoveryLevel(status).has_value());
}

TEST(RecoveryStatusTest, RequiredGenerationsFollowTheLevelInProgress) {
  kube::PostTrainingJobStatus status;
  status.restart_generation = 4;
  status.faults = {StatusFaultOf(kFaultNodeNotReady, "tiny-2-g1")};
  EXPECT_TRUE(RequiredPodGenerations("tiny", 3, status).empty());  // not handled yet
  status.faults[0].recovery_level = RecoveryLevel::kInPlace;
  EXPECT_TRUE(RequiredPodGenerations("tiny", 3, status).empty());
  status.faults[0].recovery_level = RecoveryLevel::kReschedulePod;
  EXPECT_THAT(RequiredPodGenerations("tiny", 3, status), ElementsAre(Pair(2, 4)));
  status.faults[0].recovery_level = RecoveryLevel::kRestartJob;
  EXPECT_THAT(RequiredPodGenerations("tiny", 3, status),
              ElementsAre(Pair(0, 4), Pair(1, 4), Pair(2, 4)));
  status.faults[0].recovered_at = kStatusT0;
  EXPECT_TRUE(RequiredPodGenerations("tiny", 3, status).empty());
}

// A lost pod takes its peers' ranks down with it (they exit when the collective breaks):
// only the lost pod is replaced, the others restart in place. An escalated in-place
// incident (RankExit only) replaces the pods that had the faults.
TEST(RecoveryStatusTest, RescheduleReplacesTheLostPodNotItsPeers) {
  kube::PostTrainingJobStatus status;
  status.restart_generation = 2;
  status.faults = {StatusFaultOf(kFaultPodDeleted, "tiny-1-g0"), StatusFaultOf(kFaultRankExit, "tiny-0-g0")};
  for (kube::FaultRecord& fault : status.faults) {
    fault.recovery_level = RecoveryLevel::kReschedulePod;
  }
  EXPECT_THAT(RequiredPodGenerations("tiny", 3, status), ElementsAre(Pair(1, 2)));
  status.faults.erase(status.faults.begin());
  EXPECT_THAT(RequiredPodGenerations("tiny", 3, status), ElementsAre(Pair(0, 2)));
}

}  // namespace
}  // namespace flyover::op
