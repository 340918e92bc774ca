// AgentTest: the fixture of the agent's unit tests: a pod of two ranks (rank index 1 of a
// 2 x 2 job, generation 3) under a FakeSupervisionClient and a FakeRankLauncher on a
// SteppingClock, with its files in a fresh temporary directory.
#ifndef FLYOVER_WORKER_AGENT_TESTING_AGENT_FIXTURE_H_
#define FLYOVER_WORKER_AGENT_TESTING_AGENT_FIXTURE_H_

#include <atomic>
#include <string>

#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "worker/agent/agent.h"
#include "worker/agent/testing/agent_test_util.h"
#include "worker/agent/testing/fake_rank_launcher.h"
#include "worker/agent/testing/fake_supervision_client.h"

namespace flyover::worker::testing {

class AgentTest : public ::testing::Test {
 protected:
  AgentTest() : launcher_(&clock_), dir_(MakeTempDir()) {
    client_.rank_table = LocalTableText(4, 2);
    options_ = {.job = "default.tiny", .pod = "tiny-1", .rank_index = 1, .replicas = 2,
                .npus_per_replica = 2, .generation = 3,
                .rank_table_file = dir_ + "/config/hccl.json",
                .visible_devices = {6, 7}, .rendezvous = "file:" + dir_ + "/rdzv",
                .checkpoint_request_file = dir_ + "/checkpoint-request",
                .rank_argv = {"/bin/rank", "rank"}};
    options_.command_timeout = absl::Seconds(5);
    options_.stop_grace = absl::Seconds(2);
  }

  // Puts the rank table where an unsupervised agent waits for it.
  void WriteTableFile() {
    ASSERT_TRUE(DefaultFileSystem()->CreateDirs(dir_ + "/config").ok());
    auto file = DefaultFileSystem()->NewWritableFile(options_.rank_table_file);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(client_.rank_table).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  ~AgentTest() override {
    if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir_);
  }

  int Run(bool supervised = true, AgentMetrics* metrics = nullptr) {
    Agent agent(options_, supervised ? &client_ : nullptr, launcher_, clock_,
                *DefaultFileSystem(), metrics, &stop_);
    return agent.Run();
  }

  // Both local ranks report `steps` steps, then exit cleanly, once the slots are started.
  void FinishAfterSteps(int steps) {
    launcher_.on_poll = [steps, started = size_t{0}](FakeRankLauncher& l) mutable {
      while (started < l.starts.size()) {
        const int slot = l.starts[started++].local_rank;
        for (int s = 1; s <= steps; ++s) l.Step(slot, s, 0.25 * s);
        l.Exit(slot, 0);
      }
    };
  }

  SteppingClock clock_;
  FakeRankLauncher launcher_;
  FakeSupervisionClient client_;
  std::string dir_;
  AgentOptions options_;
  std::atomic<bool> stop_{false};
};

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_AGENT_TESTING_AGENT_FIXTURE_H_
