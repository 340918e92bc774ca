// Issue 8's acceptance test: `flyover-worker local --ranks 4 --ranks-per-pod 2` runs to the
// end (the reference), then again with SIGKILL of a random rank at a random step; the
// agents restart every rank in place in a new generation from the newest complete state
// (cross-pod replicas in memory, else the latest checkpoint), and the per-step loss of
// every rank equals the reference bit for bit. The same holds when a whole pod (its ranks
// and the replicas it held) is lost: the survivors' replicas are newer than the disk
// checkpoint, and the run resumes from them.
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace flyover {
namespace {

constexpr char kResumeWorker[] = FLYOVER_WORKER_BINARY;
constexpr int kSteps = 40;

// YAML on purpose: `local --config` converts it.
constexpr char kConfig[] = R"(training:
  model: {layers: 2, hiddenSize: 32, heads: 2, vocabSize: 32, sequenceLength: 16}
  dataset: {kind: Arithmetic, trainExamples: 4000, evalExamples: 20, maxOperand: 9}
  steps: 40
  globalBatchSize: 16
  microBatchSize: 2
  learningRate: 0.003
  warmupSteps: 5
  seed: 11
checkpoint:
  intervalSteps: 5
  keep: 3
  async: true
)";

void WriteText(const std::string& path, const std::string& text) {
  auto file = DefaultFileSystem()->NewWritableFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Append(text).ok());
  ASSERT_TRUE((*file)->Close().ok());
}

std::string MakeTempDir() {
  std::string pattern = "/tmp/flyover-resume-XXXXXX";
  return ::mkdtemp(pattern.data()) != nullptr ? pattern : "";
}

// Runs `flyover-worker local` (killed after 120 s) in `work_dir` and returns its
// summary.json.
nlohmann::json RunLocal(const std::string& config, const std::string& work_dir,
                        const std::string& extra_flags) {
  const std::string command =
      absl::StrCat("timeout 120 ", kResumeWorker, " local --ranks 4 --ranks-per-pod 2 --config ", config,
                   " --work-dir ", work_dir, " ", extra_flags, " > ", work_dir,
                   ".out 2> ", work_dir, ".err");
  const int status = std::system(command.c_str());
  EXPECT_EQ(status, 0) << command << "\nsee " << work_dir << ".err";
  absl::StatusOr<std::string> summary =
      DefaultFileSystem()->ReadFile(work_dir + "/summary.json");
  if (!summary.ok()) {
    ADD_FAILURE() << summary.status();
    return nlohmann::json::object();
  }
  return nlohmann::json::parse(*summary);
}

TEST(BitExactResumeTest, KilledRankResumesToTheReferenceLossSequenceBitForBit) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string config = dir + "/config.yaml";
  {
    auto file = DefaultFileSystem()->NewWritableFile(config);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(kConfig).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  std::random_device seed;
  std::mt19937 random(seed());
  const int kill_rank = std::uniform_int_distribution<int>(0, 3)(random);
  const int kill_step = std::uniform_int_distribution<int>(2, kSteps - 2)(random);
  SCOPED_TRACE(absl::StrCat("SIGKILL rank ", kill_rank, " at step ", kill_step));
  std::printf("SIGKILL rank %d at step %d; runs under %s\n", kill_rank, kill_step, dir.c_str());

  const nlohmann::json reference = RunLocal(config, dir + "/reference", "");
  const nlohmann::json resumed =
      RunLocal(config, dir + "/resumed",
               absl::StrCat("--kill-rank ", kill_rank, " --kill-at-step ", kill_step));

  EXPECT_EQ(reference["restarts"], 0);
  EXPECT_EQ(resumed["restarts"], 1);
  EXPECT_EQ(resumed["generation"], 1);
  EXPECT_EQ(resumed["replayMismatches"], 0);  // re-run steps matched their first run too
  ASSERT_EQ(reference["steps"].size(), static_cast<size_t>(kSteps));
  ASSERT_EQ(resumed["steps"].size(), static_cast<size_t>(kSteps));
  for (int i = 0; i < kSteps; ++i) {
    const nlohmann::json& want = reference["steps"][i];
    const nlohmann::json& got = resumed["steps"][i];
    ASSERT_EQ(got["step"], want["step"]);
    EXPECT_EQ(got["lossBits"], want["lossBits"]) << "step " << want["step"];
    for (const nlohmann::json& bits : want["lossBits"]) EXPECT_TRUE(bits.is_string());
  }
  if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir);
}

void ExpectSameLossBits(const nlohmann::json& reference, const nlohmann::json& resumed) {
  ASSERT_EQ(reference["steps"].size(), static_cast<size_t>(kSteps));
  ASSERT_EQ(resumed["steps"].size(), static_cast<size_t>(kSteps));
  for (int i = 0; i < kSteps; ++i) {
    const nlohmann::json& want = reference["steps"][i];
    const nlohmann::json& got = resumed["steps"][i];
    ASSERT_EQ(got["step"], want["step"]);
    EXPECT_EQ(got["lossBits"], want["lossBits"]) << "step " << want["step"];
  }
}

TEST(BitExactResumeTest, LostPodResumesFromTheSurvivorsReplicasBitForBit) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  // Disk checkpoints every 10 steps; replicas of the newest 2 steps after every step.
  std::string text = kConfig;
  text.replace(text.find("intervalSteps: 5"), 16, "intervalSteps: 10");
  text += "  inMemoryReplicas: 2\n";
  const std::string config = dir + "/config.yaml";
  WriteText(config, text);
  constexpr int kKillStep = 16;  // the newest disk checkpoint is then step 10
  const nlohmann::json reference = RunLocal(config, dir + "/reference", "");
  const nlohmann::json resumed = RunLocal(
      config, dir + "/resumed", absl::StrCat("--kill-pod 1 --kill-at-step ", kKillStep));
  EXPECT_EQ(reference["restarts"], 0);
  EXPECT_EQ(resumed["restarts"], 1);
  EXPECT_EQ(resumed["replayMismatches"], 0);
  ASSERT_TRUE(resumed["resumedFrom"].contains("1")) << resumed.dump();
  const int from = resumed["resumedFrom"]["1"].get<int>();
  std::printf("pod 1 lost at step %d; resumed from step %d\n", kKillStep, from);
  EXPECT_GT(from, 10) << "resumed from disk, not from the replicas";
  EXPECT_LE(from, kKillStep + 1);
  ExpectSameLossBits(reference, resumed);
  if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir);
}

// A second run in the same directory, asked for more steps, resumes from the first run's
// last checkpoint and trains only the new steps, without a restart.
TEST(BitExactResumeTest, ASecondRunInTheSameWorkDirResumesFromItsCheckpoints) {
  const std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  const std::string config = dir + "/config.yaml";
  const std::string longer = dir + "/longer.yaml";
  std::string longer_text = kConfig;
  longer_text.replace(longer_text.find("steps: 40"), 9, "steps: 50");
  for (const auto& [path, text] : {std::pair{config, std::string(kConfig)}, std::pair{longer, longer_text}}) {
    auto file = DefaultFileSystem()->NewWritableFile(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append(text).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }
  const nlohmann::json first = RunLocal(config, dir + "/run", "");
  EXPECT_EQ(first["steps"].size(), static_cast<size_t>(kSteps));
  const nlohmann::json second = RunLocal(longer, dir + "/run", "");
  EXPECT_EQ(second["exitCode"], 0);
  EXPECT_EQ(second["restarts"], 0);
  ASSERT_EQ(second["steps"].size(), 10u);
  EXPECT_EQ(second["steps"][0]["step"], kSteps + 1);
  if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir);
}

}  // namespace
}  // namespace flyover
