// The acceptance of issue 8: the tiny example (deploy/examples/tiny.yaml) raises held-out
// exact-match accuracy from near 0 to >= 90%. The test reads the example's spec.training
// and its world size (replicas x npusPerReplica) from the file, so it follows the file.
// The ranks run as threads with loopback collectives; no checkpoints (the loop alone).
// Tests run from the repository root.
#include <iostream>

#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/main/config_file.h"
#include "worker/train/train_config.h"
#include "worker/train/trainer_test_util.h"

namespace flyover::worker {
namespace {

constexpr char kTinyExample[] = "deploy/examples/tiny.yaml";

struct Example {
  int world_size = 0;
  TrainerOptions options;
};

absl::StatusOr<Example> LoadTinyExample() {
  absl::StatusOr<std::string> json = LoadConfigFileAsJson(*DefaultFileSystem(), kTinyExample);
  if (!json.ok()) return json.status();
  const nlohmann::json spec = nlohmann::json::parse(*json).at("spec");
  absl::StatusOr<TrainConfig> config =
      ParseTrainConfig(nlohmann::json{{"training", spec.at("training")}});
  if (!config.ok()) return config.status();
  Example example;
  example.world_size = spec.at("replicas").get<int>() * spec.at("npusPerReplica").get<int>();
  example.options.config = *config;
  example.options.config.checkpoint.interval_steps = 0;
  return example;
}

TEST(TinyExampleTest, HeldOutAccuracyRisesFromNearZeroToNinetyPercent) {
  absl::StatusOr<Example> example = LoadTinyExample();
  ASSERT_TRUE(example.ok()) << example.status();
  auto out = RunRanks(example->world_size, example->options);
  ASSERT_TRUE(out[0].status.ok()) << out[0].status;
  ASSERT_EQ(out[0].evals.size(), 2u);
  const double before = out[0].evals[0].accuracy, after = out[0].evals[1].accuracy;
  std::cout << kTinyExample << ": " << example->world_size << " ranks, "
            << example->options.config.training.steps << " steps; held-out exact match: before "
            << before << ", after " << after << " on " << out[0].evals[1].examples
            << " problems; loss " << out[0].losses.front() << " -> " << out[0].losses.back()
            << std::endl;
  EXPECT_LE(before, 0.05);
  EXPECT_GE(after, 0.90);
}

}  // namespace
}  // namespace flyover::worker
