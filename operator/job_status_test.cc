#include "operator/job_status.h"

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace flyover::op {
namespace {

kube::FaultRecord OpenInPlaceFault(absl::Time detected) {
  kube::FaultRecord fault;
  fault.fault_class = "RankExit";
  fault.detected_at = detected;
  fault.recovery_level = kube::RecoveryLevel::kInPlace;
  return fault;
}

TEST(CloseOpenRecoveriesTest, ASucceededJobClosesTheRecoveryItWasStillIn) {
  const absl::Time detected = absl::FromUnixSeconds(1795000000);
  kube::PostTrainingJobStatus status;
  status.faults.push_back(OpenInPlaceFault(detected));
  kube::FaultRecord closed = OpenInPlaceFault(detected - absl::Seconds(60));
  closed.recovered_at = detected - absl::Seconds(55);
  closed.recovery_millis = 5000;
  status.faults.push_back(closed);
  kube::FaultRecord report_only;
  report_only.fault_class = "Straggler";
  status.faults.push_back(report_only);

  CloseOpenRecoveries(detected + absl::Milliseconds(2500), &status);

  ASSERT_TRUE(status.faults[0].recovered_at.has_value());
  EXPECT_EQ(*status.faults[0].recovered_at, detected + absl::Milliseconds(2500));
  EXPECT_EQ(status.faults[0].recovery_millis, 2500);
  EXPECT_EQ(*status.faults[1].recovered_at, detected - absl::Seconds(55));  // kept
  EXPECT_EQ(status.faults[1].recovery_millis, 5000);
  EXPECT_FALSE(status.faults[2].recovered_at.has_value());  // never had a recovery
}

}  // namespace
}  // namespace flyover::op
