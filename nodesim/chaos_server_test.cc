#include "nodesim/chaos_server.h"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// Records the signals the actions send instead of sending them.
class RecordingTarget final : public ChaosTarget {
 public:
  absl::StatusOr<int> SignalPod(const std::string& key, int signal) override {
    if (key != "default/worker-0") return absl::NotFoundError(key + ": no process here");
    signals.push_back(key + ":" + std::to_string(signal));
    return 1;
  }
  int SignalNodePods(const std::string& node, int signal) override {
    signals.push_back(node + ":" + std::to_string(signal));
    return 2;
  }
  void ReportNodePods(const std::string& node) override { reported.push_back(node); }
  std::vector<std::string> signals, reported;
};

class ChaosServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  nlohmann::json Post(const std::string& target, int want_code) {
    httplib::Client client("127.0.0.1", server_.port());
    httplib::Result res = client.Post(target);
    EXPECT_TRUE(res) << target;
    if (!res) return {};
    EXPECT_EQ(res->status, want_code) << target << ": " << res->body;
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  std::string Log() {
    std::ifstream in(log_path_);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  kube::testing::TempDir dir_;
  std::string log_path_ = dir_.path() + "/logs/chaos.log";
  FakeClock clock_;  // 2026-01-01T00:00:00Z
  ChaosState state_{dir_.path() + "/chaos"};
  RecordingTarget target_;
  ChaosActions actions_{&state_, &target_, *TopologyFromCounts(1, 4, PodMode::kProcess),
                        {.log_path = log_path_, .clock = &clock_}};
  ChaosServer server_{&actions_, 0};
};

TEST(FormatMillis, IsRfc3339InUtcWithMilliseconds) {
  EXPECT_EQ(FormatMillis(absl::FromUnixMillis(1'767'225'600'123)), "2026-01-01T00:00:00.123Z");
}

TEST_F(ChaosServerTest, StopsAndResumesANodeAndLogsBoth) {
  clock_.Advance(absl::Milliseconds(1500));
  nlohmann::json stop = Post("/chaos/stop-node?node=sp0-node02", 200);
  EXPECT_EQ(stop["action"], "stop-node");
  EXPECT_EQ(stop["target"], "sp0-node02");
  EXPECT_EQ(stop["time"], "2026-01-01T00:00:01.500Z");
  EXPECT_EQ(state_.Fault("sp0-node02"), NodeFault::kStopped);
  clock_.Advance(absl::Seconds(2));
  nlohmann::json resume = Post("/chaos/resume-node?node=sp0-node02", 200);
  EXPECT_THAT(resume["detail"].get<std::string>(), HasSubstr("was stopped"));
  EXPECT_EQ(state_.Fault("sp0-node02"), NodeFault::kNone);
  EXPECT_EQ(target_.signals, (std::vector<std::string>{
                                 "sp0-node02:" + std::to_string(SIGSTOP),
                                 "sp0-node02:" + std::to_string(SIGCONT)}));
  EXPECT_EQ(target_.reported, std::vector<std::string>{"sp0-node02"});
  EXPECT_THAT(Log(), MatchesRegex(
      "2026-01-01T00:00:01.500Z action=stop-node target=sp0-node02 detail=\"[^\n]*\"\n"
      "2026-01-01T00:00:03.500Z action=resume-node target=sp0-node02 detail=\"[^\n]*\"\n"));
}

TEST_F(ChaosServerTest, PartitionsSlowsAndKillsAndReportsState) {
  Post("/chaos/partition-node?node=sp0-node01", 200);
  EXPECT_TRUE(state_.Silenced("sp0-node01"));
  nlohmann::json slow = Post("/chaos/slow-node?node=sp0-node03&factor=3", 200);
  EXPECT_THAT(slow["detail"].get<std::string>(), HasSubstr("sp0-node03.slow-factor"));
  EXPECT_EQ(state_.SlowFactor("sp0-node03"), 3.0);
  nlohmann::json kill = Post("/chaos/kill-pod?pod=default/worker-0", 200);
  EXPECT_EQ(kill["target"], "default/worker-0");
  EXPECT_EQ(target_.signals.back(), "default/worker-0:" + std::to_string(SIGKILL));

  httplib::Client client("127.0.0.1", server_.port());
  httplib::Result res = client.Get("/chaos/state");
  ASSERT_TRUE(res);
  nlohmann::json nodes = nlohmann::json::parse(res->body)["nodes"];
  EXPECT_EQ(nodes["sp0-node01"]["fault"], "partitioned");
  EXPECT_EQ(nodes["sp0-node03"]["slowFactor"], 3.0);
  std::string log = Log();
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 3);
}

TEST_F(ChaosServerTest, RefusesUnknownTargetsAndBadParametersWithoutLogging) {
  EXPECT_THAT(Post("/chaos/stop-node?node=sp9-node00", 404)["error"].get<std::string>(),
              HasSubstr("node: sp9-node00 is not simulated"));
  EXPECT_THAT(Post("/chaos/stop-node", 400)["error"].get<std::string>(),
              HasSubstr("node: required"));
  EXPECT_THAT(Post("/chaos/slow-node?node=sp0-node00&factor=fast", 400)["error"].get<std::string>(),
              HasSubstr("factor: not a number"));
  EXPECT_THAT(Post("/chaos/slow-node?node=sp0-node00&factor=0.5", 400)["error"].get<std::string>(),
              HasSubstr("factor: must be"));
  EXPECT_THAT(Post("/chaos/kill-pod?pod=default/nope", 404)["error"].get<std::string>(),
              HasSubstr("default/nope"));
  EXPECT_THAT(Post("/chaos/kill-pod?pod=nope", 400)["error"].get<std::string>(),
              HasSubstr("NAMESPACE/NAME"));
  EXPECT_EQ(Log(), "");
  EXPECT_EQ(state_.Fault("sp0-node00"), NodeFault::kNone);
}

}  // namespace
}  // namespace flyover::nodesim
