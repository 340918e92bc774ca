// Rank processes for real: two `train_rank_helper` processes rendezvous through a shared
// directory, train over Gloo, checkpoint through the store barrier and report on pipes.
// Then the crash case: SIGKILL one rank mid-run, restart both in the next generation, and
// the losses after the resume equal the uninterrupted run's bit for bit.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/train/rank_main.h"
#include "worker/train/train_config.h"
#include "worker/train/trainer_test_util.h"

namespace flyover::worker {
namespace {

constexpr int kWorld = 2;

std::string Config(const std::string& checkpoints, int interval = 3, int replicas = 1) {
  return nlohmann::json{
      {"training",
       {{"model", {{"layers", 1}, {"hiddenSize", 16}, {"heads", 2}, {"vocabSize", 16},
                   {"sequenceLength", 8}}},
        {"dataset", {{"trainExamples", 60}, {"evalExamples", 10}, {"maxOperand", 9}}},
        {"steps", 30}, {"globalBatchSize", 8}, {"microBatchSize", 2}, {"learningRate", 0.01}}},
      {"checkpoint",
       {{"path", checkpoints}, {"intervalSteps", interval}, {"inMemoryReplicas", replicas}}}}
      .dump();
}

struct Rank {
  pid_t pid = -1;
  int report = -1;  // read end of the rank's pipe
  std::string pending;
  std::vector<nlohmann::json> lines;
};

// `extra` adds or overrides variables (e.g. a world size, a configuration).
Rank Spawn(int rank, int64_t generation, const std::string& dir,
           const std::map<std::string, std::string>& extra = {}) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::map<std::string, std::string> env{{"FLYOVER_RANK", std::to_string(rank)},
                                         {"FLYOVER_WORLD_SIZE", std::to_string(kWorld)},
                                         {"FLYOVER_GENERATION", std::to_string(generation)},
                                         {"FLYOVER_JOB", "proc.test"},
                                         {"FLYOVER_RENDEZVOUS", "file:" + dir + "/rdzv"},
                                         {"FLYOVER_REPORT_FD", std::to_string(fds[1])},
                                         {"FLYOVER_JOB_CONFIG", Config(dir + "/ckpt")}};
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> storage;
  for (const auto& [k, v] : env) storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : storage) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string path = FLYOVER_TRAIN_RANK_HELPER;
  char* argv[] = {path.data(), nullptr};
  Rank r;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  EXPECT_EQ(posix_spawn(&r.pid, path.c_str(), &actions, nullptr, argv, envp.data()), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  r.report = fds[0];
  return r;
}

// Reads lines until one satisfies `stop` or the pipe closes; true if `stop` matched.
template <typename Stop>
bool ReadUntil(Rank& r, Stop stop) {
  char buf[4096];
  while (true) {
    for (size_t nl; (nl = r.pending.find('\n')) != std::string::npos;) {
      r.lines.push_back(nlohmann::json::parse(r.pending.substr(0, nl)));
      r.pending.erase(0, nl + 1);
      if (stop(r.lines.back())) return true;
    }
    const ssize_t n = read(r.report, buf, sizeof buf);
    if (n <= 0) return false;
    r.pending.append(buf, n);
  }
}

int Finish(Rank& r) {
  ReadUntil(r, [](const nlohmann::json&) { return false; });
  close(r.report);
  int status = 0;
  EXPECT_EQ(waitpid(r.pid, &status, 0), r.pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<float> Losses(const Rank& r) {
  std::vector<float> losses;
  for (const auto& line : r.lines) {
    if (line.contains("step")) losses.push_back(line["loss"].get<float>());
  }
  return losses;
}

TEST(RankProcessTest, TwoRanksMatchTheInProcessRunAndSurviveAKill) {
  // The uninterrupted reference, in process: Gloo and the loopback fake agree bit for bit.
  TrainerOptions options;
  options.config = *ParseTrainConfigText(Config(MakeTempDir()));
  options.checkpoint_root = MakeTempDir();
  const std::vector<float> reference = RunRanks(kWorld, options)[0].losses;
  ASSERT_EQ(reference.size(), 30u);

  const std::string dir = MakeTempDir();
  std::vector<Rank> ranks;
  for (int r = 0; r < kWorld; ++r) ranks.push_back(Spawn(r, 0, dir));
  ASSERT_TRUE(ReadUntil(ranks[1], [](const nlohmann::json& l) {
    return l.contains("step") && l["step"] == 11;
  }));
  kill(ranks[1].pid, SIGKILL);
  EXPECT_EQ(Finish(ranks[1]), 128 + SIGKILL);
  EXPECT_EQ(Finish(ranks[0]), kRankExitCollective);  // its peer is gone
  int64_t committed = 0;
  for (const auto& line : ranks[0].lines) {
    if (line.contains("checkpoint")) committed = line["checkpoint"].get<int64_t>();
  }
  EXPECT_GE(committed, 3);  // step 3 committed long before step 11

  std::vector<Rank> restarted;
  for (int r = 0; r < kWorld; ++r) restarted.push_back(Spawn(r, 1, dir));
  for (auto& r : restarted) EXPECT_EQ(Finish(r), kRankExitOk);
  std::vector<float> resumed = Losses(restarted[0]);
  ASSERT_FALSE(resumed.empty());
  const size_t first = reference.size() - resumed.size();
  // Resumed from the newest committed checkpoint (the one in flight at the kill may not
  // have committed), not from scratch.
  EXPECT_GE(first, static_cast<size_t>(committed));
  EXPECT_EQ(resumed, std::vector<float>(reference.begin() + first, reference.end()));
  EXPECT_EQ(Losses(restarted[1]), resumed);
  EXPECT_EQ(restarted[0].lines.back(), nlohmann::json({{"done", true}}));
}

// Issue 8, deliverable 5: four ranks in two pods of two, a disk checkpoint every 10 steps
// and a cross-pod replica after every step. Both ranks of pod 1 are SIGKILLed at step 14
// and the pod's replica directory is gone with it; the restart resumes from the newest
// step the survivors hold whole (newer than the disk's step 10), bit for bit.
TEST(RankProcessTest, FourRanksInTwoPodsResumeFromReplicasAfterLosingAPod) {
  constexpr int kRanks = 4, kPerPod = 2;
  TrainerOptions options;
  options.config = *ParseTrainConfigText(Config(MakeTempDir(), 10, 2));
  options.checkpoint_root = MakeTempDir();
  const std::vector<float> reference = RunRanks(kRanks, options)[0].losses;
  ASSERT_EQ(reference.size(), 30u);

  const std::string dir = MakeTempDir();
  auto spawn_all = [&](int64_t generation) {
    std::vector<Rank> ranks;
    for (int r = 0; r < kRanks; ++r) {
      ranks.push_back(Spawn(r, generation, dir,
                            {{"FLYOVER_WORLD_SIZE", std::to_string(kRanks)},
                             {"FLYOVER_JOB", "proc.pods"},
                             {"FLYOVER_JOB_CONFIG", Config(dir + "/ckpt", 10, 2)},
                             {"FLYOVER_RANKS_PER_POD", std::to_string(kPerPod)},
                             {"FLYOVER_REPLICA_DIR", dir + "/pod-" + std::to_string(r / kPerPod)}}));
    }
    return ranks;
  };
  std::vector<Rank> ranks = spawn_all(0);
  ASSERT_TRUE(ReadUntil(ranks[2], [](const nlohmann::json& l) {
    return l.contains("step") && l["step"] == 14;
  }));
  kill(ranks[2].pid, SIGKILL);
  kill(ranks[3].pid, SIGKILL);
  EXPECT_EQ(Finish(ranks[2]), 128 + SIGKILL);
  EXPECT_EQ(Finish(ranks[3]), 128 + SIGKILL);
  EXPECT_EQ(Finish(ranks[0]), kRankExitCollective);
  EXPECT_EQ(Finish(ranks[1]), kRankExitCollective);
  ASSERT_TRUE(DefaultFileSystem()->DeleteDirRecursively(dir + "/pod-1").ok());

  std::vector<Rank> restarted = spawn_all(1);
  for (auto& r : restarted) EXPECT_EQ(Finish(r), kRankExitOk);
  const std::vector<float> resumed = Losses(restarted[0]);
  ASSERT_FALSE(resumed.empty());
  const size_t first = reference.size() - resumed.size();
  // Step 13's replicas were shared before rank 2 reported step 14.
  EXPECT_GE(first, 13u);
  EXPECT_EQ(resumed, std::vector<float>(reference.begin() + first, reference.end()));
  EXPECT_EQ(Losses(restarted[3]), resumed);
  // Finished: the replicas are dropped.
  EXPECT_FALSE(*DefaultFileSystem()->FileExists(dir + "/pod-0/proc.pods/rank-0"));
}

}  // namespace
}  // namespace flyover::worker
