#include "nodesim/chaos_state.h"

#include <fstream>
#include <memory>
#include <sstream>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/node_heartbeater.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ChaosState, SilencesStoppedAndPartitionedNodesOnly) {
  ChaosState state;
  EXPECT_FALSE(state.Silenced("sp0-node00"));
  state.SetFault("sp0-node00", NodeFault::kStopped);
  state.SetFault("sp0-node01", NodeFault::kPartitioned);
  EXPECT_TRUE(state.Silenced("sp0-node00"));
  EXPECT_TRUE(state.Silenced("sp0-node01"));
  EXPECT_FALSE(state.Silenced("sp0-node02"));
  EXPECT_EQ(state.Fault("sp0-node01"), NodeFault::kPartitioned);
  state.SetFault("sp0-node00", NodeFault::kNone);
  EXPECT_FALSE(state.Silenced("sp0-node00"));
  EXPECT_EQ(state.ToJson()["sp0-node01"]["fault"], "partitioned");
  EXPECT_FALSE(state.ToJson().contains("sp0-node00"));
}

TEST(ChaosState, WritesTheSlowFactorFileAndRefusesFactorsBelowOne) {
  kube::testing::TempDir dir;
  ChaosState state(dir.path() + "/chaos");
  EXPECT_EQ(state.SlowFactor("sp0-node03"), 1.0);
  ASSERT_TRUE(state.SetSlowFactor("sp0-node03", 2.5).ok());
  EXPECT_EQ(state.SlowFactor("sp0-node03"), 2.5);
  EXPECT_EQ(state.SlowFactorPath("sp0-node03"), dir.path() + "/chaos/sp0-node03.slow-factor");
  EXPECT_EQ(ReadFile(state.SlowFactorPath("sp0-node03")), "2.5\n");
  EXPECT_FALSE(state.Silenced("sp0-node03"));  // slow is not silent
  EXPECT_EQ(state.ToJson()["sp0-node03"]["slowFactor"], 2.5);
  absl::Status bad = state.SetSlowFactor("sp0-node03", 0.5);
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.message(), HasSubstr("factor: must be a number of at least 1"));
  ASSERT_TRUE(state.SetSlowFactor("sp0-node03", 1).ok());
  EXPECT_EQ(ReadFile(state.SlowFactorPath("sp0-node03")), "1\n");
  EXPECT_TRUE(state.ToJson().empty());
}

TEST(ChaosState, SilencedNodesSkipLeaseRenewalsUntilResumed) {
  FakeClock clock;
  kube::testing::FakeApiServer api;
  std::unique_ptr<kube::RestClient> client = api.NewClient();
  ChaosState chaos;
  NodeHeartbeater heartbeater(client.get(), *TopologyFromCounts(1, 2, PodMode::kSimulated),
                              NodeObjectOptions{},
                              {.lease_interval = absl::Seconds(10),
                               .status_interval = absl::Hours(1),
                               .workers = 1,
                               .clock = &clock,
                               .chaos = &chaos});
  ASSERT_TRUE(heartbeater.RegisterAll().ok());
  chaos.SetFault("sp0-node01", NodeFault::kPartitioned);
  api.ClearActions();
  heartbeater.Start();
  kube::testing::ActionMatcher node1{.verb = "patch", .resource = "leases", .name = "sp0-node01"};
  kube::testing::ActionMatcher node0{.verb = "patch", .resource = "leases", .name = "sp0-node00"};
  ASSERT_TRUE(api.WaitForActions(node0, 1));
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(10));  // node 1 was due at 5 s and skipped; node 0 renews again
  ASSERT_TRUE(api.WaitForActions(node0, 2));
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  EXPECT_TRUE(api.Actions(node1).empty());
  chaos.SetFault("sp0-node01", NodeFault::kNone);
  clock.Advance(absl::Seconds(5));  // node 1's next due time: 15 s
  ASSERT_TRUE(api.WaitForActions(node1, 1));
  heartbeater.Stop();
  EXPECT_EQ(heartbeater.failures(), 0);
}

}  // namespace
}  // namespace flyover::nodesim
