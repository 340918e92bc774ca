#include "worker/agent/agent.h"

#include <signal.h>

#include <atomic>
#include <memory>
#include <utility>

#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/agent/testing/agent_fixture.h"

namespace flyover::worker {
namespace {

using ::testing::Contains;
using ::testing::Pair;
using testing::FakeRankLauncher;
using testing::FakeSupervisionClient;

using testing::AgentTest;

TEST_F(AgentTest, StartsOneRankPerLocalNpuWithTheSupervisionEnvironment) {
  FinishAfterSteps(3);
  EXPECT_EQ(Run(), kAgentSucceeded);
  ASSERT_EQ(launcher_.starts.size(), 2u);
  EXPECT_EQ(launcher_.starts[0].argv, (std::vector<std::string>{"/bin/rank", "rank"}));
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_RANK"), "2");
  EXPECT_EQ(launcher_.EnvOf(1, "FLYOVER_RANK"), "3");
  EXPECT_EQ(launcher_.EnvOf(1, "FLYOVER_WORLD_SIZE"), "4");
  EXPECT_EQ(launcher_.EnvOf(1, "FLYOVER_LOCAL_RANK"), "1");
  EXPECT_EQ(launcher_.EnvOf(1, "FLYOVER_DEVICE_ID"), "7");
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_GENERATION"), "3");
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_RESUME_STEP"), "");
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_RENDEZVOUS"), "file:" + dir_ + "/rdzv");
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_CHECKPOINT_REQUEST_FILE"), dir_ + "/checkpoint-request");
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_REPLICA_DIR"), "<unset>");  // no replica_dir given
  // The fetched table was written to RANK_TABLE_FILE.
  absl::StatusOr<std::string> written = DefaultFileSystem()->ReadFile(options_.rank_table_file);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(*written, client_.rank_table);
  // The last heartbeat reports both ranks succeeded at step 3.
  ASSERT_FALSE(client_.heartbeats.empty());
  const Heartbeat& last = client_.heartbeats.back();
  EXPECT_EQ(last.pod, "tiny-1");
  EXPECT_EQ(last.generation, 3);
  ASSERT_EQ(last.ranks.size(), 2u);
  EXPECT_EQ(last.ranks[1].rank, 3);
  EXPECT_EQ(last.ranks[1].state, RankState::kSucceeded);
  EXPECT_EQ(last.ranks[1].step, 3);
  EXPECT_EQ(*last.ranks[1].loss, 0.75);
}

TEST_F(AgentTest, WaitsForTheRankTableWhileTheEndpointHasNone) {
  client_.table_not_found = 3;
  FinishAfterSteps(1);
  EXPECT_EQ(Run(), kAgentSucceeded);
  EXPECT_EQ(client_.table_fetches, 4);
}

TEST_F(AgentTest, RankFailureWithoutSupervisorStopsTheOthersAndExitsThree) {
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 1) l.Exit(0, 1);
  };
  WriteTableFile();
  EXPECT_EQ(Run(/*supervised=*/false), kAgentRankFailed);
  EXPECT_THAT(launcher_.signals, Contains(Pair(1, SIGTERM)));
  // Without heartbeats to pace it the loop still sleeps between polls (no busy loop).
  for (absl::Duration timeout : launcher_.timeouts) EXPECT_EQ(timeout, absl::Milliseconds(100));
}

TEST_F(AgentTest, RankExitHeartbeatsAtOnceAndRestartInPlaceStartsTheNewGeneration) {
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 3) {
      l.Step(0, 5, 1.5);
      l.Emit(0, R"({"checkpoint": 4})");
      l.Emit(1, R"({"checkpoint": 4})");
      l.Exit(0, 137);
    }
    if (l.starts.size() == 4 && l.Running(0) && l.Running(1)) {  // the new generation
      l.Exit(0, 0);
      l.Exit(1, 0);
    }
  };
  const Command restart{.id = "c-1", .kind = CommandKind::kRestartInPlace, .generation = 4,
                        .resume_step = 4};
  bool seen_exit = false;
  client_.respond = [&](const Heartbeat& heartbeat) -> absl::StatusOr<std::vector<Command>> {
    // Once the exit is reported, every answer repeats the command: it applies once.
    seen_exit = seen_exit || !heartbeat.events.empty();
    if (seen_exit) return std::vector<Command>{restart};
    return std::vector<Command>{};
  };
  EXPECT_EQ(Run(), kAgentSucceeded);
  ASSERT_EQ(launcher_.starts.size(), 4u);
  EXPECT_EQ(launcher_.EnvOf(2, "FLYOVER_GENERATION"), "4");
  EXPECT_EQ(launcher_.EnvOf(3, "FLYOVER_RESUME_STEP"), "4");
  EXPECT_THAT(launcher_.signals, Contains(Pair(1, SIGTERM)));
  // Exactly one heartbeat carried the failure, at the moment of the exit; the clean exits
  // of the new generation come later as their own events.
  int with_events = 0;
  for (const Heartbeat& heartbeat : client_.heartbeats) {
    if (heartbeat.events.empty() || heartbeat.events[0].exit_code == 0) continue;
    ++with_events;
    EXPECT_EQ(heartbeat.events[0].rank, 2);
    EXPECT_EQ(heartbeat.events[0].exit_code, 137);
    EXPECT_EQ(heartbeat.last_checkpoint_step, 4);
    EXPECT_EQ(heartbeat.ranks[0].state, RankState::kExited);
  }
  EXPECT_EQ(with_events, 1);
  EXPECT_EQ(client_.heartbeats.back().generation, 4);
}

TEST_F(AgentTest, FirstRanksEvaluationsAreHeartbeatedOnce) {
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 2) {
      l.Emit(0, R"({"eval": {"phase": "before", "accuracy": 0.01, "examples": 200}})");
      l.Emit(1, R"({"eval": {"phase": "before", "accuracy": 0.01, "examples": 200}})");
    }
    if (l.polls == 4) {
      l.Emit(0, R"({"eval": {"phase": "after", "accuracy": 0.95, "examples": 200}})");
      l.Exit(0, 0);
      l.Exit(1, 0);
    }
  };
  EXPECT_EQ(Run(), kAgentSucceeded);
  std::vector<EvaluationReport> sent;
  for (const Heartbeat& heartbeat : client_.heartbeats) {
    sent.insert(sent.end(), heartbeat.evaluations.begin(), heartbeat.evaluations.end());
  }
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0], (EvaluationReport{.phase = "before", .accuracy = 0.01, .examples = 200}));
  EXPECT_EQ(sent[1], (EvaluationReport{.phase = "after", .accuracy = 0.95, .examples = 200}));
}

TEST_F(AgentTest, WorldSizeMismatchIsBadInput) {
  options_.replicas = 3;
  EXPECT_EQ(Run(), kAgentBadInput);
  EXPECT_TRUE(launcher_.starts.empty());
}

TEST_F(AgentTest, MissingRankTableFileTimesOutAsBadInput) {
  options_.rank_table_timeout = absl::Seconds(30);
  EXPECT_EQ(Run(/*supervised=*/false), kAgentBadInput);
  EXPECT_TRUE(launcher_.starts.empty());
}

TEST_F(AgentTest, ChaosKillsTheChosenRankAtTheChosenStep) {
  options_.kill_rank = 3;
  options_.kill_at_step = 2;
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 1) {
      l.Step(1, 1, 3.0);
      l.Step(1, 2, 2.0);
    }
  };
  WriteTableFile();
  EXPECT_EQ(Run(/*supervised=*/false), kAgentRankFailed);
  EXPECT_THAT(launcher_.signals, Contains(Pair(1, SIGKILL)));
}

TEST_F(AgentTest, RanksGetTheReplicaEnvironmentWithTwoPodsOrMore) {
  options_.replica_dir = dir_ + "/replicas";
  FinishAfterSteps(1);
  EXPECT_EQ(Run(), kAgentSucceeded);
  ASSERT_EQ(launcher_.starts.size(), 2u);
  EXPECT_EQ(launcher_.EnvOf(0, "FLYOVER_RANKS_PER_POD"), "2");
  EXPECT_EQ(launcher_.EnvOf(1, "FLYOVER_REPLICA_DIR"), dir_ + "/replicas");
}

TEST_F(AgentTest, ChaosKillsTheWholePodThenReportsItLost) {
  options_.kill_pod = true;
  options_.kill_at_step = 2;
  int lost = 0;
  options_.on_pod_killed = [&lost] { ++lost; };
  launcher_.on_poll = [](FakeRankLauncher& l) {
    if (l.polls == 1) {
      l.Step(0, 1, 3.0);
      l.Step(0, 2, 2.0);
    }
  };
  WriteTableFile();
  EXPECT_EQ(Run(/*supervised=*/false), kAgentRankFailed);
  EXPECT_THAT(launcher_.signals, Contains(Pair(0, SIGKILL)));
  EXPECT_THAT(launcher_.signals, Contains(Pair(1, SIGKILL)));
  EXPECT_EQ(lost, 1);
}

}  // namespace
}  // namespace flyover::worker
