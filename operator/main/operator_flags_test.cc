#include "operator/main/operator_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;

TEST(OperatorFlagsTest, ParsesBothFormsAndDefaults) {
  absl::StatusOr<OperatorFlags> flags = ParseOperatorFlags(
      {"--kubeconfig", "/k", "--supervision-port=0", "--leader-elect", "--workers", "8"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->kubeconfig, "/k");
  EXPECT_EQ(flags->supervision_port, 0);
  EXPECT_TRUE(flags->leader_elect);
  EXPECT_EQ(flags->workers, 8);
  EXPECT_EQ(flags->metrics_port, 8080);
  EXPECT_FALSE(ParseOperatorFlags({"--leader-elect=false"})->leader_elect);
}

TEST(OperatorFlagsTest, ErrorsNameTheFlag) {
  EXPECT_THAT(ParseOperatorFlags({"--metrics-port", "70000"}).status().message(),
              HasSubstr("--metrics-port"));
  EXPECT_THAT(ParseOperatorFlags({"--nope"}).status().message(), HasSubstr("--nope: unknown flag"));
  EXPECT_THAT(ParseOperatorFlags({"--kubeconfig"}).status().message(), HasSubstr("needs a value"));
  EXPECT_THAT(ParseOperatorFlags({"--workers=0"}).status().message(), HasSubstr("--workers"));
  EXPECT_THAT(ParseOperatorFlags({"stray"}).status().message(), HasSubstr("stray"));
}

TEST(OperatorFlagsTest, SupervisionUrlIsDerivedFromTheBindAddress) {
  OperatorFlags flags;
  EXPECT_EQ(SupervisionUrl(flags, 9443, ""), "http://127.0.0.1:9443");
  EXPECT_EQ(SupervisionUrl(flags, 9443, "10.2.0.7"), "http://10.2.0.7:9443");
  flags.supervision_bind_address = "192.168.1.5";
  EXPECT_EQ(SupervisionUrl(flags, 1234, "10.2.0.7"), "http://192.168.1.5:1234");
  flags.supervision_url = "http://operator.flyover-system:9443";
  EXPECT_EQ(SupervisionUrl(flags, 1234, ""), "http://operator.flyover-system:9443");
}

TEST(OperatorFlagsTest, LeaderElectionTimings) {
  absl::StatusOr<OperatorFlags> flags = ParseOperatorFlags({});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->leader_elect_lease_duration, absl::Seconds(15));
  EXPECT_EQ(flags->leader_elect_renew_deadline, absl::Seconds(10));
  EXPECT_EQ(flags->leader_elect_retry_period, absl::Seconds(2));
  flags = ParseOperatorFlags({"--leader-elect-lease-duration", "6s",
                              "--leader-elect-renew-deadline=4s",
                              "--leader-elect-retry-period=1s"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->leader_elect_lease_duration, absl::Seconds(6));
  EXPECT_EQ(flags->leader_elect_renew_deadline, absl::Seconds(4));
  EXPECT_EQ(flags->leader_elect_retry_period, absl::Seconds(1));
}

TEST(OperatorFlagsTest, LeaderElectionTimingsOutOfOrderNameTheFlag) {
  auto message = [](std::vector<std::string> args) {
    return std::string(ParseOperatorFlags(args).status().message());
  };
  EXPECT_THAT(message({"--leader-elect-renew-deadline=0s"}),
              HasSubstr("--leader-elect-renew-deadline: \"0s\" is not a positive duration"));
  EXPECT_THAT(message({"--leader-elect-lease-duration=8s", "--leader-elect-renew-deadline=9s"}),
              HasSubstr("--leader-elect-lease-duration: 8s must be greater than "
                        "--leader-elect-renew-deadline (9s)"));
  EXPECT_THAT(message({"--leader-elect-lease-duration=1500ms", "--leader-elect-renew-deadline=1s",
                       "--leader-elect-retry-period=100ms"}),
              HasSubstr("--leader-elect-lease-duration: 1.5s is not a whole number of seconds"));
  EXPECT_THAT(message({"--leader-elect-retry-period=9s"}),
              HasSubstr("--leader-elect-renew-deadline: 10s must be greater than "
                        "--leader-elect-retry-period (9s) x 1.2 jitter"));
}

TEST(OperatorFlagsTest, ListeningOnlyWhileLeadingNeedsAFixedPort) {
  absl::StatusOr<OperatorFlags> flags =
      ParseOperatorFlags({"--supervision-port=7000", "--supervision-listen-only-while-leading"});
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->supervision_listen_only_while_leading);
  EXPECT_FALSE(ParseOperatorFlags({})->supervision_listen_only_while_leading);
  EXPECT_THAT(
      ParseOperatorFlags({"--supervision-port=0", "--supervision-listen-only-while-leading=true"})
          .status()
          .message(),
      HasSubstr("--supervision-listen-only-while-leading: needs a fixed --supervision-port"));
  EXPECT_THAT(
      ParseOperatorFlags({"--supervision-listen-only-while-leading=yes"}).status().message(),
      HasSubstr("--supervision-listen-only-while-leading: \"yes\" is not true or false"));
}

}  // namespace
}  // namespace flyover::op
