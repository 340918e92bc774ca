// Real processes: PosixRankLauncher and the Agent drive copies of fake_rank.cc.
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/agent/agent.h"
#include "worker/agent/local_supervisor.h"
#include "worker/agent/posix_rank_launcher.h"
#include "worker/agent/testing/agent_test_util.h"

namespace flyover::worker {
namespace {

constexpr char kFakeRank[] = FLYOVER_FAKE_RANK;

// Polls `launcher` until slot 0 exits (at most 20 s) and returns everything it reported.
std::vector<LauncherEvent> RunToExit(PosixRankLauncher& launcher) {
  std::vector<LauncherEvent> all;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    for (LauncherEvent& event : launcher.Poll(absl::Milliseconds(100))) all.push_back(event);
    if (!all.empty() && all.back().kind == LauncherEvent::Kind::kExit) break;
  }
  return all;
}

TEST(PosixRankLauncherTest, DeliversLinesInOrderThenTheExitWithTheEnvironmentApplied) {
  ::setenv("FLYOVER_RESUME_STEP", "99", 1);  // must be removed by the empty override
  PosixRankLauncher launcher;
  ASSERT_TRUE(launcher
                  .Start({.local_rank = 0,
                          .argv = {kFakeRank},
                          .env = {{"FLYOVER_RANK", "1"},
                                  {"FLYOVER_RESUME_STEP", ""},
                                  {"FAKE_RANK_STEPS", "4"},
                                  {"FAKE_RANK_ECHO_ENV", "FLYOVER_RANK,FLYOVER_REPORT_FD,FLYOVER_RESUME_STEP"}}})
                  .ok());
  ::unsetenv("FLYOVER_RESUME_STEP");
  EXPECT_TRUE(launcher.Running(0));
  std::vector<LauncherEvent> events = RunToExit(launcher);
  ASSERT_EQ(events.size(), 9u);  // env, 4 steps, 2 checkpoints, done, then the exit
  auto env = nlohmann::json::parse(events[0].line)["env"];
  EXPECT_EQ(env["FLYOVER_RANK"], "1");
  EXPECT_EQ(env["FLYOVER_REPORT_FD"], "3");
  EXPECT_TRUE(env["FLYOVER_RESUME_STEP"].is_null());
  EXPECT_EQ(events[1].line, R"({"loss":0.5,"step":1,"stepMillis":1.0})");
  EXPECT_EQ(events[3].line, R"({"checkpoint":2})");
  EXPECT_EQ(events[7].line, R"({"done":true})");
  EXPECT_EQ(events[8].kind, LauncherEvent::Kind::kExit);
  EXPECT_EQ(events[8].exit_code, 0);
  EXPECT_FALSE(launcher.Running(0));
}

TEST(PosixRankLauncherTest, ReportsTheSignalThatKilledARank) {
  PosixRankLauncher launcher;
  ASSERT_TRUE(launcher
                  .Start({.local_rank = 2, .argv = {kFakeRank},
                          .env = {{"FAKE_RANK_STEPS", "100000"}, {"FAKE_RANK_STEP_MS", "5"},
                                  {"FAKE_RANK_IGNORE_SIGTERM", "1"}}})
                  .ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(launcher.Start({.local_rank = 2, .argv = {kFakeRank}})));
  // Once it reports a step, it has set SIGTERM to be ignored.
  bool stepped = false;
  for (int i = 0; i < 200 && !stepped; ++i) stepped = !launcher.Poll(absl::Milliseconds(100)).empty();
  ASSERT_TRUE(stepped);
  ASSERT_TRUE(launcher.Signal(2, SIGTERM).ok());  // ignored
  ASSERT_TRUE(launcher.Signal(2, SIGKILL).ok());
  std::optional<LauncherEvent> exit;
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!exit && absl::Now() < deadline) {
    for (LauncherEvent& event : launcher.Poll(absl::Milliseconds(100))) {
      if (event.kind == LauncherEvent::Kind::kExit) exit = event;
    }
  }
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->local_rank, 2);
  EXPECT_EQ(exit->signal, SIGKILL);
  EXPECT_FALSE(exit->exit_code.has_value());
  EXPECT_TRUE(absl::IsNotFound(launcher.Signal(2, SIGTERM)));
  EXPECT_FALSE(launcher.Start({.local_rank = 3, .argv = {"/nonexistent/rank"}}).ok());
}

// Two agents (pods of two ranks) under a LocalSupervisor; rank 1 fails after step 3 in the
// first generation, so every rank restarts in generation 1 from the checkpoint at step 2.
TEST(AgentProcessTest, TwoPodsRestartInPlaceAfterARankFailsAndThenFinish) {
  const std::string dir = testing::MakeTempDir();
  ::setenv("FAKE_RANK_STEPS", "6", 1);
  ::setenv("FAKE_RANK_STEP_MS", "20", 1);
  // Whether or not every pod's heartbeat named the checkpoint at step 2 before the failure,
  // the restart resumes from it (named, or as the ranks' newest).
  ::setenv("FAKE_RANK_CHECKPOINT_DIR", dir.c_str(), 1);
  ::setenv("FAKE_RANK_FAIL_AT_STEP", "3", 1);
  LocalSupervisor supervisor(testing::LocalTableText(4, 2), 2, 2);
  absl::Mutex mu;
  std::map<int64_t, std::vector<int64_t>> steps_by_generation;  // rank 0's steps
  std::atomic<bool> stop{false};
  std::vector<int> codes(2, -1);
  std::vector<std::thread> pods;
  for (int pod = 0; pod < 2; ++pod) {
    pods.emplace_back([&, pod] {
      AgentOptions options{.job = "proc", .pod = absl::StrCat("pod-", pod), .rank_index = pod,
                           .replicas = 2, .npus_per_replica = 2,
                           .rank_table_file = absl::StrCat(dir, "/pod-", pod, "/hccl.json"),
                           .rank_argv = {kFakeRank}};
      options.heartbeat_interval = absl::Milliseconds(50);
      options.command_timeout = absl::Seconds(10);
      options.on_progress = [&](int rank, int64_t generation, const ProgressLine& line) {
        absl::MutexLock lock(&mu);
        if (rank == 0 && line.step) steps_by_generation[generation].push_back(*line.step);
      };
      PosixRankLauncher launcher;
      Agent agent(options, &supervisor.ClientFor(pod), launcher, *RealClock(),
                  *DefaultFileSystem(), nullptr, &stop);
      codes[pod] = agent.Run();
    });
  }
  for (std::thread& pod : pods) pod.join();
  ::unsetenv("FAKE_RANK_STEPS");
  ::unsetenv("FAKE_RANK_STEP_MS");
  ::unsetenv("FAKE_RANK_CHECKPOINT_DIR");
  ::unsetenv("FAKE_RANK_FAIL_AT_STEP");
  EXPECT_EQ(codes, (std::vector<int>{0, 0}));
  EXPECT_EQ(supervisor.restarts(), 1);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(steps_by_generation.count(1), 1u);
  EXPECT_EQ(steps_by_generation[1], (std::vector<int64_t>{3, 4, 5, 6}));
  if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir);
}

}  // namespace
}  // namespace flyover::worker
