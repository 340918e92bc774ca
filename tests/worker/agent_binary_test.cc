// `flyover-worker agent` as a pod runs it, without a supervision URL: it waits for
// RANK_TABLE_FILE to say "completed", runs the real trainer's ranks, and exits with the
// codes docs/design/supervision.md section 3 documents.
#include <signal.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/atomic_file.h"
#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "tests/worker/worker_test_util.h"

namespace flyover {
namespace {

constexpr char kWorker[] = FLYOVER_WORKER_BINARY;

constexpr char kTable[] = R"({"status": "completed", "version": "1.0", "server_count": "1",
  "server_list": [{"server_id": "pod-0", "host_ip": "127.0.0.1", "container_ip": "127.0.0.1",
    "device": [{"device_id": "0", "device_ip": "127.0.0.1", "rank_id": "0"},
               {"device_id": "1", "device_ip": "127.0.0.1", "rank_id": "1"}]}]})";

std::string Config(int steps, const std::string& checkpoints) {
  return absl::StrCat(
      R"({"training": {"model": {"layers": 1, "hiddenSize": 32, "heads": 2, "vocabSize": 32,)",
      R"( "sequenceLength": 16}, "dataset": {"kind": "Arithmetic", "trainExamples": 1000,)",
      R"( "evalExamples": 10, "maxOperand": 9}, "steps": )", steps,
      R"(, "globalBatchSize": 8, "microBatchSize": 2, "seed": 3},)",
      R"( "checkpoint": {"path": ")", checkpoints, R"(", "intervalSteps": 5}})");
}

class AgentBinaryTest : public ::testing::Test {
 protected:
  AgentBinaryTest() : dir_(testing::MakeTempDir("flyover-agent-bin")) {}
  ~AgentBinaryTest() override {
    if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir_);
  }

  // Starts the agent with the pod's environment; the rest of environ is inherited.
  pid_t Start(int replicas, int steps) {
    return testing::SpawnWithEnv(
        {kWorker, "agent"},
        {"FLYOVER_JOB=agent-e2e", "FLYOVER_RANK_INDEX=0",
         absl::StrCat("FLYOVER_REPLICAS=", replicas), "FLYOVER_NPUS_PER_REPLICA=2",
         absl::StrCat("RANK_TABLE_FILE=", dir_, "/config/hccl.json"),
         absl::StrCat("FLYOVER_JOB_CONFIG=", Config(steps, dir_ + "/checkpoints")),
         "FLYOVER_METRICS_PORT=off", "FLYOVER_HEARTBEAT_INTERVAL_MS=100"});
  }

  void WriteTable(const std::string& text) {
    ASSERT_TRUE(DefaultFileSystem()->CreateDirs(dir_ + "/config").ok());
    ASSERT_TRUE(WriteFileAtomically(*DefaultFileSystem(), dir_ + "/config/hccl.json", text).ok());
  }

  static int Wait(pid_t pid, absl::Duration timeout) { return testing::WaitForExit(pid, timeout); }

  std::string dir_;
};

TEST_F(AgentBinaryTest, WaitsForACompletedTableThenTrainsToTheEnd) {
  WriteTable(R"({"status": "initializing"})");
  const pid_t agent = Start(1, 6);
  absl::SleepFor(absl::Milliseconds(300));  // the agent is waiting for the table meanwhile
  WriteTable(kTable);
  EXPECT_EQ(Wait(agent, absl::Seconds(60)), 0);
  // The ranks committed checkpoints: the trainer really ran.
  absl::StatusOr<std::vector<std::string>> entries =
      DefaultFileSystem()->ListDir(dir_ + "/checkpoints/agent-e2e");
  ASSERT_TRUE(entries.ok()) << entries.status();
  EXPECT_FALSE(entries->empty());
}

TEST_F(AgentBinaryTest, WorldSizeMismatchExitsTwo) {
  WriteTable(kTable);
  EXPECT_EQ(Wait(Start(2, 6), absl::Seconds(30)), 2);
}

TEST_F(AgentBinaryTest, SigtermIsForwardedAndTheAgentExits143) {
  WriteTable(kTable);
  const pid_t agent = Start(1, 100000);
  absl::SleepFor(absl::Milliseconds(700));  // let the ranks start training
  ::kill(agent, SIGTERM);
  EXPECT_EQ(Wait(agent, absl::Seconds(30)), 143);
}

}  // namespace
}  // namespace flyover
