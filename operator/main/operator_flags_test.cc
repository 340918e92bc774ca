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

}  // namespace
}  // namespace flyover::op
