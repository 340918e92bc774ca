#include "scheduler/main/scheduler_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::sched {
namespace {

TEST(SchedulerFlagsTest, DefaultsAndEveryForm) {
  absl::StatusOr<SchedulerFlags> flags = ParseSchedulerFlags({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->scheduler_name, "flyover-scheduler");
  EXPECT_FALSE(flags->leader_elect);
  flags = ParseSchedulerFlags({"--kubeconfig", "/tmp/kc", "--metrics-port=0", "--leader-elect",
                               "--scheduler-name=other", "--bind-parallelism", "4"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->kubeconfig, "/tmp/kc");
  EXPECT_EQ(flags->metrics_port, 0);
  EXPECT_TRUE(flags->leader_elect);
  EXPECT_EQ(flags->scheduler_name, "other");
  EXPECT_EQ(flags->bind_parallelism, 4);
  EXPECT_FALSE(ParseSchedulerFlags({"--leader-elect=false"})->leader_elect);
  EXPECT_TRUE(ParseSchedulerFlags({"--help"})->help);
}

TEST(SchedulerFlagsTest, ErrorsNameTheFlag) {
  auto message = [](std::vector<std::string> args) {
    return std::string(ParseSchedulerFlags(args).status().message());
  };
  EXPECT_THAT(message({"--metrics-port=70000"}), ::testing::HasSubstr("--metrics-port"));
  EXPECT_THAT(message({"--leader-elect=maybe"}), ::testing::HasSubstr("--leader-elect"));
  EXPECT_THAT(message({"--scheduler-name="}), ::testing::HasSubstr("--scheduler-name"));
  EXPECT_THAT(message({"--bogus"}), ::testing::HasSubstr("--bogus: unknown flag"));
  EXPECT_THAT(message({"--kubeconfig"}), ::testing::HasSubstr("missing value"));
  EXPECT_THAT(message({"stray"}), ::testing::HasSubstr("expected a --flag"));
}

TEST(SchedulerFlagsTest, LeaderElectionTimings) {
  absl::StatusOr<SchedulerFlags> flags = ParseSchedulerFlags({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->leader_elect_lease_duration, absl::Seconds(15));
  EXPECT_EQ(flags->leader_elect_renew_deadline, absl::Seconds(10));
  EXPECT_EQ(flags->leader_elect_retry_period, absl::Seconds(2));
  flags = ParseSchedulerFlags({"--leader-elect-lease-duration=6s", "--leader-elect-renew-deadline",
                               "4s", "--leader-elect-retry-period=500ms"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->leader_elect_lease_duration, absl::Seconds(6));
  EXPECT_EQ(flags->leader_elect_renew_deadline, absl::Seconds(4));
  EXPECT_EQ(flags->leader_elect_retry_period, absl::Milliseconds(500));
}

TEST(SchedulerFlagsTest, LeaderElectionTimingsOutOfOrderNameTheFlag) {
  auto message = [](std::vector<std::string> args) {
    return std::string(ParseSchedulerFlags(args).status().message());
  };
  EXPECT_THAT(message({"--leader-elect-retry-period=soon"}),
              ::testing::HasSubstr("--leader-elect-retry-period: \"soon\" is not a positive"));
  EXPECT_THAT(message({"--leader-elect-lease-duration=-1s"}),
              ::testing::HasSubstr("--leader-elect-lease-duration"));
  EXPECT_THAT(message({"--leader-elect-lease-duration=10s"}),
              ::testing::HasSubstr("--leader-elect-lease-duration: 10s must be greater than "
                                   "--leader-elect-renew-deadline (10s)"));
  EXPECT_THAT(message({"--leader-elect-lease-duration=6500ms", "--leader-elect-renew-deadline=4s"}),
              ::testing::HasSubstr("--leader-elect-lease-duration: 6.5s is not a whole number"));
  // 4s > 3s, but not > 3s x 1.2.
  EXPECT_THAT(message({"--leader-elect-renew-deadline=4s", "--leader-elect-retry-period=3500ms"}),
              ::testing::HasSubstr("--leader-elect-renew-deadline: 4s must be greater than "
                                   "--leader-elect-retry-period (3.5s) x 1.2 jitter"));
  EXPECT_TRUE(ParseSchedulerFlags({"--leader-elect-renew-deadline=4s",
                                   "--leader-elect-retry-period=3s"})
                  .ok());
}

}  // namespace
}  // namespace flyover::sched
