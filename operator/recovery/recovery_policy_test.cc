#include "operator/recovery/recovery_policy.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

using kube::RecoveryLevel;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1795000000);

kube::FaultRecord FaultOf(const std::string& fault_class, const std::string& pod, absl::Time at) {
  kube::FaultRecord fault;
  fault.fault_class = fault_class;
  fault.pod = pod;
  fault.detected_at = at;
  return fault;
}

kube::FaultToleranceSpec NoBackoff() {
  kube::FaultToleranceSpec spec;
  spec.backoff = {.initial_seconds = 0, .max_seconds = 0};
  return spec;
}

TEST(RecoveryPolicyTest, EachFaultClassStartsAtItsLowestLevel) {
  const std::vector<std::pair<std::string, RecoveryLevel>> cases = {
      {kFaultRankExit, RecoveryLevel::kInPlace},
      {kFaultNaNLoss, RecoveryLevel::kInPlace},
      {kFaultHang, RecoveryLevel::kInPlace},
      {kFaultHeartbeatTimeout, RecoveryLevel::kInPlace},
      {kFaultPodFailed, RecoveryLevel::kReschedulePod},
      {kFaultPodDeleted, RecoveryLevel::kReschedulePod},
      {kFaultNodeNotReady, RecoveryLevel::kReschedulePod},
      {kFaultDeviceFault, RecoveryLevel::kReschedulePod},
  };
  ASSERT_EQ(cases.size() + 1, FaultClasses().size());  // and Straggler, report only
  EXPECT_TRUE(IsReportOnly(kFaultStraggler));
  for (const auto& [fault_class, level] : cases) {
    EXPECT_FALSE(IsReportOnly(fault_class)) << fault_class;
    RecoveryDecision decision = DecideRecovery(
        NoBackoff(), {}, std::nullopt, {FaultOf(fault_class, "tiny-1-g0", kT0)}, kT0);
    EXPECT_EQ(decision.action, RecoveryAction::kStart) << fault_class;
    EXPECT_EQ(decision.level, level) << fault_class;
  }
}

TEST(RecoveryPolicyTest, RankZeroIsHandledLikeAnyOtherRank) {
  for (const std::string pod : {"tiny-0-g0", "tiny-3-g0"}) {
    RecoveryDecision decision =
        DecideRecovery(NoBackoff(), {}, std::nullopt, {FaultOf(kFaultRankExit, pod, kT0)}, kT0);
    EXPECT_EQ(decision.action, RecoveryAction::kStart);
    EXPECT_EQ(decision.level, RecoveryLevel::kInPlace) << pod;
  }
}

TEST(RecoveryPolicyTest, TheStrongestNeedAmongSimultaneousFaultsWins) {
  RecoveryDecision decision = DecideRecovery(
      NoBackoff(), {}, std::nullopt,
      {FaultOf(kFaultRankExit, "tiny-0-g0", kT0), FaultOf(kFaultPodFailed, "tiny-1-g0", kT0)},
      kT0);
  EXPECT_EQ(decision.level, RecoveryLevel::kReschedulePod);
}

TEST(RecoveryPolicyTest, DisallowedLevelsAreSkippedUpwards) {
  kube::FaultToleranceSpec spec = NoBackoff();
  spec.recovery_levels = {RecoveryLevel::kRestartJob};
  RecoveryDecision decision =
      DecideRecovery(spec, {}, std::nullopt, {FaultOf(kFaultRankExit, "tiny-0-g0", kT0)}, kT0);
  EXPECT_EQ(decision.action, RecoveryAction::kStart);
  EXPECT_EQ(decision.level, RecoveryLevel::kRestartJob);

  spec.recovery_levels = {RecoveryLevel::kInPlace};
  decision =
      DecideRecovery(spec, {}, std::nullopt, {FaultOf(kFaultPodDeleted, "tiny-1-g0", kT0)}, kT0);
  EXPECT_EQ(decision.action, RecoveryAction::kFail);
  EXPECT_THAT(decision.reason, HasSubstr("faultTolerance.recoveryLevels"));
  EXPECT_THAT(decision.reason, HasSubstr("PodDeleted on pod tiny-1-g0"));
}

TEST(RecoveryPolicyTest, AFaultAfterTheAttemptStartedEscalatesOneLevel) {
  const RecoveryAttempt in_place{.level = RecoveryLevel::kInPlace, .started_at = kT0};
  const absl::Time later = kT0 + absl::Seconds(5);
  RecoveryDecision decision = DecideRecovery(NoBackoff(), {.in_place = 1, .total = 1}, in_place,
                                             {FaultOf(kFaultRankExit, "tiny-0-g1", later)}, later);
  EXPECT_EQ(decision.action, RecoveryAction::kStart);
  EXPECT_EQ(decision.level, RecoveryLevel::kReschedulePod);

  const RecoveryAttempt reschedule{.level = RecoveryLevel::kReschedulePod, .started_at = kT0};
  decision = DecideRecovery(NoBackoff(), {.reschedule_pod = 1, .total = 1}, reschedule,
                            {FaultOf(kFaultRankExit, "tiny-0-g1", later)}, later);
  EXPECT_EQ(decision.level, RecoveryLevel::kRestartJob);

  const RecoveryAttempt restart{.level = RecoveryLevel::kRestartJob, .started_at = kT0};
  decision = DecideRecovery(NoBackoff(), {.restart_job = 1, .total = 1}, restart,
                            {FaultOf(kFaultRankExit, "tiny-0-g1", later)}, later);
  EXPECT_EQ(decision.action, RecoveryAction::kStart);
  EXPECT_EQ(decision.level, RecoveryLevel::kRestartJob);
}

TEST(RecoveryPolicyTest, FaultsFromBeforeTheAttemptJoinItWhenItIsStrongEnough) {
  const RecoveryAttempt in_place{.level = RecoveryLevel::kInPlace, .started_at = kT0};
  const absl::Time earlier = kT0 - absl::Milliseconds(200);
  RecoveryDecision decision =
      DecideRecovery(NoBackoff(), {.in_place = 1, .total = 1}, in_place,
                     {FaultOf(kFaultRankExit, "tiny-1-g0", earlier)}, kT0 + absl::Seconds(1));
  EXPECT_EQ(decision.action, RecoveryAction::kJoin);
  EXPECT_EQ(decision.level, RecoveryLevel::kInPlace);

  decision =
      DecideRecovery(NoBackoff(), {.in_place = 1, .total = 1}, in_place,
                     {FaultOf(kFaultPodFailed, "tiny-1-g0", earlier)}, kT0 + absl::Seconds(1));
  EXPECT_EQ(decision.action, RecoveryAction::kStart);
  EXPECT_EQ(decision.level, RecoveryLevel::kReschedulePod);
}

TEST(RecoveryPolicyTest, AnAttemptPastItsTimeoutEscalates) {
  const RecoveryAttempt in_place{.level = RecoveryLevel::kInPlace, .started_at = kT0};
  const RecoveryTimeouts timeouts;
  EXPECT_EQ(DecideRecovery(NoBackoff(), {.in_place = 1, .total = 1}, in_place, {},
                           kT0 + timeouts.in_place - absl::Seconds(1))
                .action,
            RecoveryAction::kNone);
  RecoveryDecision decision = DecideRecovery(NoBackoff(), {.in_place = 1, .total = 1}, in_place,
                                             {}, kT0 + timeouts.in_place);
  EXPECT_EQ(decision.action, RecoveryAction::kStart);
  EXPECT_EQ(decision.level, RecoveryLevel::kReschedulePod);
  EXPECT_THAT(decision.reason, HasSubstr("timed out"));
}

TEST(RecoveryPolicyTest, BackoffDoublesFromInitialUpToMax) {
  const kube::BackoffSpec backoff{.initial_seconds = 2, .max_seconds = 10};
  EXPECT_EQ(BackoffDelay(backoff, 0), absl::Seconds(2));
  EXPECT_EQ(BackoffDelay(backoff, 1), absl::Seconds(4));
  EXPECT_EQ(BackoffDelay(backoff, 2), absl::Seconds(8));
  EXPECT_EQ(BackoffDelay(backoff, 3), absl::Seconds(10));
  EXPECT_EQ(BackoffDelay(backoff, 30), absl::Seconds(10));
}

TEST(RecoveryPolicyTest, ARestartWaitsForItsBackoffFromTheDetection) {
  kube::FaultToleranceSpec spec;
  spec.backoff = {.initial_seconds = 2, .max_seconds = 10};
  const std::vector<kube::FaultRecord> faults = {FaultOf(kFaultRankExit, "tiny-0-g2", kT0)};
  RecoveryDecision decision = DecideRecovery(spec, {.in_place = 2, .total = 2}, std::nullopt,
                                             faults, kT0 + absl::Seconds(7));
  EXPECT_EQ(decision.action, RecoveryAction::kWait);
  EXPECT_EQ(decision.not_before, kT0 + absl::Seconds(8));
  decision = DecideRecovery(spec, {.in_place = 2, .total = 2}, std::nullopt, faults,
                            kT0 + absl::Seconds(8));
  EXPECT_EQ(decision.action, RecoveryAction::kStart);
}

TEST(RecoveryPolicyTest, MaxRestartsFailsTheJobWithAClearReason) {
  kube::FaultToleranceSpec spec = NoBackoff();
  spec.max_restarts = 2;
  RecoveryDecision decision =
      DecideRecovery(spec, {.in_place = 2, .total = 2}, std::nullopt,
                     {FaultOf(kFaultNaNLoss, "tiny-0-g2", kT0)}, kT0 + absl::Seconds(1));
  EXPECT_EQ(decision.action, RecoveryAction::kFail);
  EXPECT_THAT(decision.reason, HasSubstr("faultTolerance.maxRestarts: all 2 restarts are used"));
  EXPECT_THAT(decision.reason, HasSubstr("NaNLoss on pod tiny-0-g2"));
}

TEST(RecoveryPolicyTest, CountRestartCountsByLevelAndTotal) {
  kube::RestartCounts counts;
  CountRestart(RecoveryLevel::kInPlace, &counts);
  CountRestart(RecoveryLevel::kReschedulePod, &counts);
  CountRestart(RecoveryLevel::kRestartJob, &counts);
  CountRestart(RecoveryLevel::kInPlace, &counts);
  EXPECT_EQ(counts, (kube::RestartCounts{
                        .in_place = 2, .reschedule_pod = 1, .restart_job = 1, .total = 4}));
}

}  // namespace
}  // namespace flyover::op
