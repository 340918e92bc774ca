#include "worker/train/rank_main.h"

#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <string>

#include "common/atomic_file.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/train/trainer_test_util.h"

namespace flyover::worker {
namespace {

std::string TinyConfig(const std::string& checkpoints) {
  return nlohmann::json{
      {"training",
       {{"model", {{"layers", 1}, {"hiddenSize", 16}, {"heads", 2}, {"vocabSize", 16},
                   {"sequenceLength", 8}}},
        {"dataset", {{"trainExamples", 40}, {"evalExamples", 8}, {"maxOperand", 9}}},
        {"steps", 4}, {"globalBatchSize", 4}, {"microBatchSize", 2}}},
      {"checkpoint", {{"path", checkpoints}, {"intervalSteps", 2}}}}
      .dump();
}

std::vector<nlohmann::json> ReadLines(int fd) {
  std::string text;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, n);
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(nlohmann::json::parse(text.substr(start, end - start)));
  }
  return lines;
}

TEST(RankMainTest, BadEnvironmentIsExitCodeTwo) {
  EXPECT_EQ(RunRankProcess(std::map<std::string, std::string>{}), kRankExitBadInput);
  std::map<std::string, std::string> env{{"FLYOVER_RANK", "2"},
                                         {"FLYOVER_WORLD_SIZE", "2"},
                                         {"FLYOVER_JOB", "j"},
                                         {"FLYOVER_JOB_CONFIG", TinyConfig("/tmp")}};
  EXPECT_EQ(RunRankProcess(env), kRankExitBadInput);  // rank outside the world
  env["FLYOVER_RANK"] = "0";
  env["FLYOVER_WORLD_SIZE"] = "1";
  env["FLYOVER_JOB_CONFIG"] = R"({"training": {"steps": "many"}})";
  EXPECT_EQ(RunRankProcess(env), kRankExitBadInput);
}

TEST(RankMainTest, OneRankTrainsAndReportsLines) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string dir = MakeTempDir();
  std::map<std::string, std::string> env{{"FLYOVER_RANK", "0"},
                                         {"FLYOVER_WORLD_SIZE", "1"},
                                         {"FLYOVER_JOB", "tiny.default"},
                                         {"FLYOVER_REPORT_FD", std::to_string(fds[1])},
                                         {"FLYOVER_JOB_CONFIG", TinyConfig(dir)}};
  EXPECT_EQ(RunRankProcess(env), kRankExitOk);
  close(fds[1]);
  std::vector<nlohmann::json> lines = ReadLines(fds[0]);
  close(fds[0]);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.front()["eval"]["phase"], "before");
  EXPECT_EQ(lines.back(), nlohmann::json({{"done", true}}));
  int steps = 0, checkpoints = 0;
  for (const auto& line : lines) {
    steps += line.contains("step") ? 1 : 0;
    checkpoints += line.contains("checkpoint") ? 1 : 0;
  }
  EXPECT_EQ(steps, 4);
  EXPECT_GE(checkpoints, 1);
  // Checkpoints live under <path>/<job>; a second run resumes at the end and only
  // evaluates "after".
  EXPECT_TRUE(*DefaultFileSystem()->FileExists(dir + "/tiny.default/step-000000000004/MANIFEST.json"));
  env.erase("FLYOVER_REPORT_FD");
  EXPECT_EQ(RunRankProcess(env), kRankExitOk);
}

TEST(RankMainTest, CorruptCheckpointRequestedIsExitCodeFour) {
  const std::string dir = MakeTempDir();
  std::map<std::string, std::string> env{{"FLYOVER_RANK", "0"},
                                         {"FLYOVER_WORLD_SIZE", "1"},
                                         {"FLYOVER_JOB", "j"},
                                         {"FLYOVER_RESUME_STEP", "2"},
                                         {"FLYOVER_JOB_CONFIG", TinyConfig(dir)}};
  EXPECT_EQ(RunRankProcess(env), kRankExitCheckpoint);  // step 2 does not exist
}

// The median step time (the progress lines' step_ms) of a one-rank run whose
// FLYOVER_SLOW_FACTOR_FILE holds `factor`.
double MedianStepMillis(const std::string& factor) {
  const std::string dir = MakeTempDir();
  EXPECT_TRUE(WriteFileAtomically(*DefaultFileSystem(), dir + "/slow", factor).ok());
  nlohmann::json config = nlohmann::json::parse(TinyConfig(dir));
  config["training"]["model"]["hiddenSize"] = 64;  // kernels, not bookkeeping, dominate
  config["training"]["model"]["heads"] = 4;
  config["training"]["steps"] = 7;
  config["checkpoint"]["intervalSteps"] = 0;
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::map<std::string, std::string> env{{"FLYOVER_RANK", "0"},
                                         {"FLYOVER_WORLD_SIZE", "1"},
                                         {"FLYOVER_JOB", "slow"},
                                         {"FLYOVER_REPORT_FD", std::to_string(fds[1])},
                                         {"FLYOVER_SLOW_FACTOR_FILE", dir + "/slow"},
                                         {"FLYOVER_JOB_CONFIG", config.dump()}};
  EXPECT_EQ(RunRankProcess(env), kRankExitOk);
  close(fds[1]);
  std::vector<double> millis;
  for (const nlohmann::json& line : ReadLines(fds[0])) {
    if (line.contains("step")) millis.push_back(line["stepMillis"].get<double>());
  }
  close(fds[0]);
  EXPECT_EQ(millis.size(), 7u);
  if (millis.empty()) return 0;
  std::sort(millis.begin(), millis.end());
  return millis[millis.size() / 2];
}

TEST(RankMainTest, SlowFactorFileSlowsTheSteps) {
  const double normal = MedianStepMillis("1\n");
  const double slow = MedianStepMillis("3\n");
  std::cout << "median step: factor 1 " << normal << " ms, factor 3 " << slow << " ms" << std::endl;
  ASSERT_GT(normal, 0);
  EXPECT_GT(slow, 1.8 * normal);
}

}  // namespace
}  // namespace flyover::worker
