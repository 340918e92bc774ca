#include "kube/controller/leader_election_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

using ::testing::HasSubstr;

TEST(LeaderElectionTimingTest, ClientGoDefaultsAndLocalValuesAreValid) {
  EXPECT_TRUE(ValidateLeaderElectionTiming({}).ok());
  EXPECT_TRUE(ValidateLeaderElectionTiming({.lease_duration = absl::Seconds(8),
                                            .renew_deadline = absl::Seconds(5),
                                            .retry_period = absl::Seconds(1)})
                  .ok());
}

TEST(LeaderElectionTimingTest, ErrorsNameTheFlagAndTheRule) {
  absl::Status fractional = ValidateLeaderElectionTiming({.lease_duration = absl::Milliseconds(8500)});
  EXPECT_TRUE(absl::IsInvalidArgument(fractional));
  EXPECT_THAT(fractional.message(),
              HasSubstr("--leader-elect-lease-duration: 8.5s is not a whole number of seconds"));
  absl::Status short_lease = ValidateLeaderElectionTiming({.lease_duration = absl::Seconds(10)});
  EXPECT_THAT(short_lease.message(),
              HasSubstr("--leader-elect-lease-duration: 10s must be greater than "
                        "--leader-elect-renew-deadline (10s)"));
  absl::Status tight = ValidateLeaderElectionTiming({.lease_duration = absl::Seconds(15),
                                                     .renew_deadline = absl::Seconds(2),
                                                     .retry_period = absl::Seconds(2)});
  EXPECT_THAT(tight.message(), HasSubstr("--leader-elect-renew-deadline: 2s must be greater than "
                                         "--leader-elect-retry-period (2s) x 1.2 jitter"));
}

TEST(LeaderElectionTimingTest, TheConfigCarriesTheTimingAndKeepsObservingWithinTheRetry) {
  const LeaderElectionConfig config =
      LeaderElectionConfigFor("me", {.lease_duration = absl::Seconds(8),
                                     .renew_deadline = absl::Seconds(5),
                                     .retry_period = absl::Milliseconds(100)},
                              nullptr);
  EXPECT_EQ(config.identity, "me");
  EXPECT_EQ(config.lease_duration, absl::Seconds(8));
  EXPECT_EQ(config.renew_deadline, absl::Seconds(5));
  EXPECT_EQ(config.retry_period, absl::Milliseconds(100));
  EXPECT_EQ(config.jitter_factor, kLeaderElectJitter);
  EXPECT_EQ(config.observe_period, absl::Milliseconds(100));  // cut from 250 ms
  EXPECT_EQ(LeaderElectionConfigFor("me", {}, nullptr).observe_period, absl::Milliseconds(250));
}

}  // namespace
}  // namespace flyover::kube
