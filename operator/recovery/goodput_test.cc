// Goodput (goodput.h) and the recovery books that feed it (recovery_status.h): incidents'
// windows and recomputed steps, the incident in progress, report-only faults.
#include "operator/recovery/goodput.h"

#include "gtest/gtest.h"
#include "operator/recovery/recovery_status.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1795000000);

kube::FaultRecord FaultAt(const char* fault_class, absl::Duration after_start) {
  kube::FaultRecord fault;
  fault.fault_class = fault_class;
  fault.pod = "tiny-0-g0";
  fault.detected_at = kStart + after_start;
  return fault;
}

TEST(GoodputTest, NothingBeforeTheJobRunsAndOneWithoutFaults) {
  kube::PostTrainingJobStatus status;
  EXPECT_FALSE(Goodput(status, kStart).has_value());
  status.start_time = kStart;
  EXPECT_EQ(Goodput(status, kStart), 1.0);
  EXPECT_EQ(Goodput(status, kStart + absl::Seconds(100)), 1.0);
}

TEST(GoodputTest, CompletedIncidentsAndTheOneInProgressCount) {
  kube::PostTrainingJobStatus status;
  status.start_time = kStart;
  status.unproductive_millis = 10000;  // earlier incidents
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(100)), 0.9);
  status.faults.push_back(FaultAt(kFaultRankExit, absl::Seconds(80)));  // in progress
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(100)), 0.7);
  status.faults.back().recovered_at = kStart + absl::Seconds(90);  // done: in the account
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(100)), 0.9);
}

TEST(GoodputTest, AJobThatSucceededTrainedThroughTheFaultsStillOpen) {
  kube::PostTrainingJobStatus status;
  status.start_time = kStart;
  status.completion_time = kStart + absl::Seconds(100);
  status.unproductive_millis = 10000;
  status.faults.push_back(FaultAt(kFaultDeviceFault, absl::Seconds(80)));  // never acted on
  status.phase = kube::JobPhase::kRunning;
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(100)), 0.7);
  status.phase = kube::JobPhase::kSucceeded;
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(100)), 0.9);
  status.phase = kube::JobPhase::kFailed;  // a failure after the fault: it was lost time
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(100)), 0.7);
}

TEST(GoodputTest, SuspendedTimeIsLeftOutOfTheWallTime) {
  kube::PostTrainingJobStatus status;
  status.start_time = kStart;
  status.unproductive_millis = 10000;
  status.suspended_millis = 50000;  // an earlier suspension: 50 of the 150 s
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(150)), 0.9);
  // Suspended again at 150 s: the 50 s since are neither productive nor lost.
  status.conditions.push_back({.type = kSuspendedCondition,
                               .status = kube::ConditionStatus::kTrue,
                               .last_transition_time = kStart + absl::Seconds(150)});
  EXPECT_EQ(SuspendedFor(status, kStart + absl::Seconds(200)), absl::Seconds(50));
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(200)), 0.9);
  status.conditions.back().status = kube::ConditionStatus::kFalse;
  EXPECT_EQ(SuspendedFor(status, kStart + absl::Seconds(200)), absl::ZeroDuration());
}

TEST(GoodputTest, ASuspensionBeforeTheJobFirstRanCountsForNothing) {
  kube::PostTrainingJobStatus status;
  status.conditions.push_back({.type = kSuspendedCondition,
                               .status = kube::ConditionStatus::kTrue,
                               .last_transition_time = kStart});
  EXPECT_EQ(SuspendedFor(status, kStart + absl::Seconds(60)), absl::ZeroDuration());
  status.start_time = kStart + absl::Seconds(30);  // suspended earlier, started later
  EXPECT_EQ(SuspendedFor(status, kStart + absl::Seconds(60)), absl::Seconds(30));
}

TEST(GoodputTest, StragglersCostNothingAndWallTimeEndsAtCompletion) {
  kube::PostTrainingJobStatus status;
  status.start_time = kStart;
  status.faults.push_back(FaultAt(kFaultStraggler, absl::Seconds(10)));
  EXPECT_EQ(Goodput(status, kStart + absl::Seconds(100)), 1.0);
  status.faults.push_back(FaultAt(kFaultPodDeleted, absl::Seconds(150)));
  status.completion_time = kStart + absl::Seconds(200);  // failed while recovering
  EXPECT_DOUBLE_EQ(*Goodput(status, kStart + absl::Seconds(1000)), 0.75);
  status.unproductive_millis = 1000000;
  EXPECT_EQ(Goodput(status, kStart + absl::Seconds(1000)), 0.0);  // clamped
  EXPECT_DOUBLE_EQ(RoundGoodput(0.934999), 0.93);
}

TEST(GoodputTest, AnIncidentCostsItsWindowAndItsRecomputedSteps) {
  JobProgress progress;
  progress.heartbeats["a"].baseline_step = 100;
  progress.heartbeats["b"].baseline_step = 90;
  progress.heartbeats["c"];  // no Running heartbeat yet
  EXPECT_EQ(RecomputedSteps(130, progress), 40);
  EXPECT_EQ(RecomputedSteps(80, progress), 0);
  EXPECT_EQ(RecomputedSteps(130, JobProgress{}), 0);
  EXPECT_DOUBLE_EQ(MedianOf({300, 100, 200}), 200);
  EXPECT_DOUBLE_EQ(MedianOf({}), 0);
  const std::vector<kube::FaultRecord> faults = {FaultAt(kFaultRankExit, absl::Seconds(12)),
                                                 FaultAt(kFaultPodDeleted, absl::Seconds(10)),
                                                 FaultAt(kFaultStraggler, absl::Seconds(1))};
  EXPECT_EQ(IncidentUnproductiveMillis(faults, kStart + absl::Seconds(18), 40, 50.0),
            8000 + 40 * 50);
}

TEST(GoodputTest, CompletingAnIncidentAddsItsCostOnceAndStragglersStartNothing) {
  kube::PostTrainingJobSpec spec;
  spec.fault_tolerance.max_restarts = 3;
  spec.fault_tolerance.recovery_levels = {kube::RecoveryLevel::kInPlace};
  kube::PostTrainingJobStatus status;
  status.phase = kube::JobPhase::kRunning;
  status.start_time = kStart;
  status.step = 130;
  status.faults.push_back(FaultAt(kFaultStraggler, absl::Seconds(5)));
  RecoveryStep step = AdvanceRecovery(spec, std::nullopt, kStart + absl::Seconds(6), {}, &status);
  EXPECT_EQ(step.decision.action, RecoveryAction::kNone);
  EXPECT_EQ(status.phase, kube::JobPhase::kRunning);
  EXPECT_FALSE(status.faults[0].recovery_level.has_value());

  kube::FaultRecord exit = FaultAt(kFaultRankExit, absl::Seconds(10));
  exit.recovery_level = kube::RecoveryLevel::kInPlace;
  status.faults.push_back(exit);
  status.restart_generation = 1;
  JobProgress progress;
  progress.generation = 1;
  progress.pods = {"tiny-0-g0"};
  PodProgress& pod = progress.heartbeats["tiny-0-g0"];
  pod.baseline_step = 100;
  pod.step = 101;
  pod.step_changed_at = kStart + absl::Seconds(20);
  progress.step_millis = {40, 60, 50};
  AdvanceRecovery(spec, progress, kStart + absl::Seconds(21), {}, &status);
  EXPECT_EQ(status.faults[1].recovered_at, kStart + absl::Seconds(20));
  EXPECT_EQ(status.unproductive_millis, 10000 + 30 * 50);
  AdvanceRecovery(spec, progress, kStart + absl::Seconds(22), {}, &status);
  EXPECT_EQ(status.unproductive_millis, 10000 + 30 * 50);  // counted once
}

}  // namespace
}  // namespace flyover::op
