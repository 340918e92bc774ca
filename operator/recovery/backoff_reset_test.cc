// The recovery backoff counts restarts in a row (recovery_policy.h RestartsInARow), so a
// recovery that held resets it, and a job that keeps failing still backs off.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "operator/recovery/recovery_policy.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

using kube::RecoveryLevel;

const absl::Time kBackoffT0 = absl::FromUnixSeconds(1795000000);
const absl::Duration kStable = absl::Seconds(60);

// A fault detected at kBackoffT0 + detected_s, recovered at kBackoffT0 + recovered_s (< 0: in progress,
// 0 with level unset: unhandled).
kube::FaultRecord Fault(int detected_s, int recovered_s,
                        std::string fault_class = kFaultPodDeleted) {
  kube::FaultRecord fault;
  fault.fault_class = std::move(fault_class);
  fault.pod = "tiny-0-g0";
  fault.detected_at = kBackoffT0 + absl::Seconds(detected_s);
  fault.recovery_level = RecoveryLevel::kReschedulePod;
  if (recovered_s >= 0) fault.recovered_at = kBackoffT0 + absl::Seconds(recovered_s);
  return fault;
}

TEST(BackoffResetTest, RecoveriesCloseTogetherCountInARow) {
  const std::vector<kube::FaultRecord> faults = {Fault(0, 5), Fault(10, 15), Fault(20, 25)};
  EXPECT_EQ(RestartsInARow(faults, kBackoffT0 + absl::Seconds(30), kStable), 3);
}

TEST(BackoffResetTest, ARecoveryThatHeldStartsTheCountOver) {
  // Recovered at 25 s, next fault 100 s later: the backoff starts again.
  std::vector<kube::FaultRecord> faults = {Fault(0, 5), Fault(10, 15), Fault(20, 25)};
  EXPECT_EQ(RestartsInARow(faults, kBackoffT0 + absl::Seconds(125), kStable), 0);
  // ... and counts again from that incident on.
  faults.push_back(Fault(125, 130));
  faults.push_back(Fault(135, 140));
  EXPECT_EQ(RestartsInARow(faults, kBackoffT0 + absl::Seconds(145), kStable), 2);
}

TEST(BackoffResetTest, FaultsRecoveredTogetherAreOneIncidentAndTheActiveOneCounts) {
  const std::vector<kube::FaultRecord> faults = {Fault(0, 5), Fault(1, 5), Fault(8, -1)};
  EXPECT_EQ(RestartsInARow(faults, kBackoffT0 + absl::Seconds(9), kStable), 2);
}

TEST(BackoffResetTest, ReportOnlyAndUnhandledFaultsCountNothing) {
  kube::FaultRecord straggler = Fault(0, 5, kFaultStraggler);
  kube::FaultRecord unhandled = Fault(6, -1);
  unhandled.recovery_level.reset();
  EXPECT_EQ(RestartsInARow({straggler, unhandled}, kBackoffT0 + absl::Seconds(6), kStable), 0);
}

TEST(BackoffResetTest, DecisionWaitsByRestartsInARowNotTheLifetimeTotal) {
  kube::FaultToleranceSpec spec;
  spec.backoff = {.initial_seconds = 1, .max_seconds = 60};
  spec.max_restarts = 10;
  kube::FaultRecord unhandled = Fault(0, -1);
  unhandled.recovery_level.reset();
  const std::vector<kube::FaultRecord> fresh = {unhandled};
  // Nine restarts over the job's life, none in a row: the next waits the initial 1 s.
  RecoveryDecision held = DecideRecovery(spec, {.reschedule_pod = 9, .total = 9}, std::nullopt,
                                         fresh, kBackoffT0, {}, 0);
  EXPECT_EQ(held.not_before, kBackoffT0 + absl::Seconds(1));
  // Four in a row: 16 s.
  RecoveryDecision failing = DecideRecovery(spec, {.reschedule_pod = 9, .total = 9},
                                            std::nullopt, fresh, kBackoffT0, {}, 4);
  EXPECT_EQ(failing.action, RecoveryAction::kWait);
  EXPECT_EQ(failing.not_before, kBackoffT0 + absl::Seconds(16));
  // maxRestarts still counts them all.
  RecoveryDecision spent = DecideRecovery(spec, {.reschedule_pod = 10, .total = 10},
                                          std::nullopt, fresh, kBackoffT0, {}, 0);
  EXPECT_EQ(spent.action, RecoveryAction::kFail);
}

}  // namespace
}  // namespace flyover::op
