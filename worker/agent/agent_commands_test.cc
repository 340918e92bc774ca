// Commands, signals, health and metrics of the agent (agent_commands.cc).
#include "worker/agent/agent.h"

#include <signal.h>

#include <atomic>
#include <memory>
#include <utility>

#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"
#include "worker/agent/testing/agent_fixture.h"

namespace flyover::worker {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::FakeRankLauncher;
using testing::FakeSupervisionClient;

using testing::AgentTest;

TEST_F(AgentTest, PauseResumeAndCheckpointNowReachTheRanks) {
  client_.responses = {
      std::vector<Command>{{.id = "p", .kind = CommandKind::kPause}},
      std::vector<Command>{{.id = "p", .kind = CommandKind::kPause},
                           {.id = "r", .kind = CommandKind::kResume},
                           {.id = "k", .kind = CommandKind::kCheckpointNow}}};
  launcher_.on_poll = [&](FakeRankLauncher& l) {
    if (client_.heartbeats.size() == 3 && l.Running(0)) {
      l.Exit(0, 0);
      l.Exit(1, 0);
    }
  };
  EXPECT_EQ(Run(), kAgentSucceeded);
  int stops = 0;
  for (const auto& [slot, signal] : launcher_.signals) stops += signal == SIGSTOP;
  EXPECT_EQ(stops, 2);  // once per rank: the repeated "p" is not applied again
  EXPECT_THAT(launcher_.signals, Contains(Pair(0, SIGCONT)));
  absl::StatusOr<std::string> request =
      DefaultFileSystem()->ReadFile(options_.checkpoint_request_file);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_THAT(*request, HasSubstr(R"("id":"k")"));
  EXPECT_THAT(*request, HasSubstr(R"("sequence":1)"));
}


TEST_F(AgentTest, SupersededGenerationStopsRanksAndGivesUpAfterTheCommandTimeout) {
  client_.responses = {absl::AbortedError("generation 3 superseded by 4")};
  EXPECT_EQ(Run(), kAgentSuperseded);
  EXPECT_THAT(launcher_.signals, Contains(Pair(0, SIGTERM)));
  EXPECT_THAT(launcher_.signals, Contains(Pair(1, SIGTERM)));
}


TEST_F(AgentTest, RefusedTokenStopsTheRanks) {
  client_.responses = {absl::UnauthenticatedError("401")};
  EXPECT_EQ(Run(), kAgentRefused);
}


TEST_F(AgentTest, StopRequestIsForwardedAsSigterm) {
  launcher_.on_poll = [&](FakeRankLauncher& l) {
    if (l.polls == 2) stop_ = true;
  };
  EXPECT_EQ(Run(), kAgentStopped);
  EXPECT_THAT(launcher_.signals, Contains(Pair(0, SIGTERM)));
  EXPECT_THAT(launcher_.signals, Contains(Pair(1, SIGTERM)));
}


TEST_F(AgentTest, RanksThatIgnoreSigtermAreKilledAfterTheGracePeriod) {
  launcher_.exit_on_term = false;
  launcher_.on_poll = [&](FakeRankLauncher& l) {
    if (l.polls == 2) stop_ = true;
    for (const auto& [slot, signal] : l.signals) {
      if (signal == SIGKILL && l.Running(slot)) l.Exit(slot, 0);
    }
  };
  EXPECT_EQ(Run(), kAgentStopped);
  EXPECT_THAT(launcher_.signals, Contains(Pair(0, SIGKILL)));
}


TEST_F(AgentTest, ExportsStepLossStepTimeAndRestartsPerRank) {
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 2) {
      l.Step(1, 7, 0.5);
      l.Exit(0, 1);
    }
    if (l.starts.size() == 4 && l.Running(0) && l.Running(1)) {
      l.Exit(0, 0);
      l.Exit(1, 0);
    }
  };
  client_.respond = [](const Heartbeat& heartbeat) -> absl::StatusOr<std::vector<Command>> {
    if (heartbeat.events.empty() || heartbeat.generation != 3) return std::vector<Command>{};
    return std::vector<Command>{{.id = "c", .kind = CommandKind::kRestartInPlace, .generation = 5}};
  };
  auto registry = std::make_shared<prometheus::Registry>();
  AgentMetrics metrics(registry);
  EXPECT_EQ(Run(true, &metrics), kAgentSucceeded);
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  EXPECT_THAT(text, HasSubstr(R"(flyover_worker_rank_step{rank="3"} 7)"));
  EXPECT_THAT(text, HasSubstr(R"(flyover_worker_rank_loss{rank="3"} 0.5)"));
  EXPECT_THAT(text, HasSubstr(R"(flyover_worker_rank_step_seconds{rank="3"} 0.01)"));
  EXPECT_THAT(text, HasSubstr(R"(flyover_worker_rank_restarts_total{rank="2"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(flyover_worker_rank_step{rank="2"} 0)"));  // created at zero
  EXPECT_THAT(text, HasSubstr("flyover_worker_generation 5"));
}


TEST_F(AgentTest, AnNpuFaultExitMakesThePodUnhealthyUntilTheRestart) {
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 2) l.Exit(1, kRankExitNpuFault);
    if (l.starts.size() == 4 && l.Running(0) && l.Running(1)) {
      l.Exit(0, 0);
      l.Exit(1, 0);
    }
  };
  client_.respond = [](const Heartbeat& heartbeat) -> absl::StatusOr<std::vector<Command>> {
    if (heartbeat.events.empty() || heartbeat.generation != 3) return std::vector<Command>{};
    return std::vector<Command>{{.id = "c", .kind = CommandKind::kRestartInPlace, .generation = 4}};
  };
  EXPECT_EQ(Run(), kAgentSucceeded);
  bool saw_unhealthy = false;
  for (const Heartbeat& heartbeat : client_.heartbeats) {
    if (!heartbeat.events.empty() && heartbeat.generation == 3) {
      EXPECT_FALSE(heartbeat.healthy);
      saw_unhealthy = true;
    }
  }
  EXPECT_TRUE(saw_unhealthy);
  EXPECT_TRUE(client_.heartbeats.back().healthy);
  EXPECT_EQ(launcher_.EnvOf(2, "FLYOVER_RESUME_STEP"), "");  // absent: the newest checkpoint
}


}  // namespace
}  // namespace flyover::worker
