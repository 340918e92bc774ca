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

}  // namespace
}  // namespace flyover::sched
