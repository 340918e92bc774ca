#include "operator/silent_node_faults.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kSilentNow = absl::FromUnixSeconds(1795000000);

nlohmann::json LeaseRenewedAgo(absl::Duration age, int duration_seconds = 40) {
  return {{"spec",
           {{"holderIdentity", "n1"},
            {"leaseDurationSeconds", duration_seconds},
            {"renewTime", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", kSilentNow - age,
                                           absl::UTCTimeZone())}}}};
}

kube::FaultRecord SilentFault(const std::string& fault_class, const std::string& node) {
  kube::FaultRecord fault;
  fault.fault_class = fault_class;
  fault.pod = "tiny-1-g0";
  fault.node = node;
  fault.detected_at = kSilentNow;
  return fault;
}

TEST(StaleLeaseReason, StaleAfterTwoMissedRenewals) {
  EXPECT_EQ(StaleLeaseReason(LeaseRenewedAgo(absl::Seconds(10)), kSilentNow), "");  // one missed
  EXPECT_EQ(StaleLeaseReason(LeaseRenewedAgo(absl::Seconds(20)), kSilentNow), "");
  EXPECT_THAT(StaleLeaseReason(LeaseRenewedAgo(absl::Seconds(21)), kSilentNow),
              HasSubstr("leaseDurationSeconds 40"));
  EXPECT_THAT(StaleLeaseReason(LeaseRenewedAgo(absl::Seconds(3), 4), kSilentNow),
              HasSubstr("3s ago"));
  EXPECT_EQ(StaleLeaseReason(nlohmann::json::object(), kSilentNow), "");  // nothing to judge by
}

TEST(SilentNodeFaults, AHeartbeatTimeoutOnAStaleNodeIsANodeLoss) {
  const std::map<std::string, nlohmann::json> leases = {
      {"stale", LeaseRenewedAgo(absl::Seconds(30))}, {"fresh", LeaseRenewedAgo(absl::Seconds(2))}};
  std::vector<kube::FaultRecord> lost =
      SilentNodeFaults({SilentFault(kFaultHeartbeatTimeout, "stale"),
                        SilentFault(kFaultHeartbeatTimeout, "fresh"),
                        SilentFault(kFaultHeartbeatTimeout, "no-lease"), SilentFault(kFaultHang, "stale")},
                       leases, kSilentNow);
  ASSERT_THAT(lost, SizeIs(1));
  EXPECT_EQ(lost[0].fault_class, kFaultNodeNotReady);
  EXPECT_EQ(lost[0].pod, "tiny-1-g0");
  EXPECT_EQ(lost[0].node, "stale");
  EXPECT_EQ(lost[0].detected_at, kSilentNow);
  EXPECT_THAT(lost[0].message, HasSubstr("node stale is unreachable"));
}

}  // namespace
}  // namespace flyover::op
