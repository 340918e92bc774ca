#include "cli/chaos_command.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::cli {
namespace {

using ::testing::HasSubstr;

TEST(ParseChaosArgs, BuildsEachActionsRequest) {
  absl::StatusOr<ChaosRequest> r = ParseChaosArgs({"--data-dir", "/c", "kill-pod", "ml/w-0"}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data_dir, "/c");
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->target, "/chaos/kill-pod?pod=ml%2Fw-0");
  r = ParseChaosArgs({"slow-node", "sp0-node01", "--factor", "2.5"}, "/env");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->data_dir, "/env");
  EXPECT_EQ(r->target, "/chaos/slow-node?node=sp0-node01&factor=2.5");
  r = ParseChaosArgs({"--endpoint", "127.0.0.1:9", "-o", "json", "stop-node", "n"}, "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->endpoint, "127.0.0.1:9");
  EXPECT_TRUE(r->json_output);
  EXPECT_EQ(r->target, "/chaos/stop-node?node=n");
  EXPECT_EQ(ParseChaosArgs({"state"}, "").value().method, "GET");
}

TEST(ParseChaosArgs, NamesWhatIsWrong) {
  EXPECT_THAT(ParseChaosArgs({}, "").status().message(), HasSubstr("want an action"));
  EXPECT_THAT(ParseChaosArgs({"reboot-node", "n"}, "").status().message(),
              HasSubstr("reboot-node: unknown chaos action"));
  EXPECT_THAT(ParseChaosArgs({"stop-node"}, "").status().message(), HasSubstr("want NODE"));
  EXPECT_THAT(ParseChaosArgs({"slow-node", "n"}, "").status().message(), HasSubstr("--factor"));
  EXPECT_THAT(ParseChaosArgs({"slow-node", "n", "--factor", "0.5"}, "").status().message(),
              HasSubstr("at least 1"));
  EXPECT_THAT(ParseChaosArgs({"stop-node", "n", "--factor", "2"}, "").status().message(),
              HasSubstr("only for slow-node"));
  EXPECT_THAT(ParseChaosArgs({"--endpoint"}, "").status().message(), HasSubstr("needs a value"));
}

TEST(RunChaos, SaysWhereTheEndpointShouldBe) {
  std::ostringstream out, err;
  EXPECT_EQ(RunChaos({"--data-dir", "/nonexistent", "stop-node", "n"}, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("/nonexistent/run/nodesim.chaos: missing"));
}

}  // namespace
}  // namespace flyover::cli
