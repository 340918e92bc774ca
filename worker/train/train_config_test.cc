#include "worker/train/train_config.h"

#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using json = nlohmann::json;

TEST(TrainConfigTest, ParsesTheSupervisionExample) {
  auto config = ParseTrainConfigText(R"({"training": {"model": {"layers": 2, "hiddenSize": 64,
      "heads": 4, "vocabSize": 32, "sequenceLength": 32},
      "dataset": {"kind": "Arithmetic", "trainExamples": 20000, "evalExamples": 200,
                  "maxOperand": 99},
      "steps": 300, "globalBatchSize": 64, "microBatchSize": 4, "learningRate": 0.003,
      "minLearningRate": 0.0, "warmupSteps": 0, "weightDecay": 0.01, "gradClipNorm": 1.0,
      "seed": 42},
    "checkpoint": {"path": "/var/lib/flyover/checkpoints", "intervalSteps": 100, "keep": 3,
                   "inMemoryReplicas": 1, "async": true}})");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->training.steps, 300);
  EXPECT_EQ(config->training.model.hidden_size, 64);
  EXPECT_EQ(config->training.dataset.max_operand, 99);
  EXPECT_DOUBLE_EQ(config->training.learning_rate, 0.003);
  EXPECT_EQ(config->checkpoint.interval_steps, 100);
  EXPECT_TRUE(config->checkpoint.async);
}

// The CRD's defaults (kube/api/post_training_job.h), which this file mirrors.
TEST(TrainConfigTest, MissingFieldsTakeTheCrdDefaults) {
  auto config = ParseTrainConfig(json{{"training", {{"steps", 5}}}});
  ASSERT_TRUE(config.ok()) << config.status();
  const TrainingConfig& t = config->training;
  EXPECT_EQ(t.model.layers, 2);
  EXPECT_EQ(t.model.hidden_size, 64);
  EXPECT_EQ(t.model.heads, 4);
  EXPECT_EQ(t.model.vocab_size, 32);
  EXPECT_EQ(t.model.sequence_length, 32);
  EXPECT_EQ(t.dataset.train_examples, 20000);
  EXPECT_EQ(t.dataset.eval_examples, 200);
  EXPECT_EQ(t.dataset.max_operand, 99);
  EXPECT_EQ(t.global_batch_size, 64);
  EXPECT_EQ(t.micro_batch_size, 4);
  EXPECT_DOUBLE_EQ(t.learning_rate, 0.003);
  EXPECT_DOUBLE_EQ(t.min_learning_rate, 0.0);
  EXPECT_EQ(t.warmup_steps, 0);
  EXPECT_DOUBLE_EQ(t.weight_decay, 0.01);
  EXPECT_DOUBLE_EQ(t.grad_clip_norm, 1.0);
  EXPECT_EQ(t.seed, 42);
  EXPECT_EQ(config->checkpoint.path, "/var/lib/flyover/checkpoints");
  EXPECT_EQ(config->checkpoint.interval_steps, 100);
  EXPECT_EQ(config->checkpoint.keep, 3);
  EXPECT_EQ(config->checkpoint.in_memory_replicas, 1);
  EXPECT_TRUE(config->checkpoint.async);
}

void ExpectError(const json& input, const std::string& message) {
  auto config = ParseTrainConfig(input);
  ASSERT_FALSE(config.ok()) << input.dump();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(), message);
}

TEST(TrainConfigTest, ErrorsNameTheField) {
  ExpectError(json{{"training", {{"steps", 5}, {"model", {{"hiddenSize", "64"}}}}}},
              "training.model.hiddenSize: must be an integer");
  ExpectError(json{{"training", {{"steps", 5}, {"learningRate", "fast"}}}},
              "training.learningRate: must be a number");
  ExpectError(json{{"training", {{"steps", 5}, {"batch", 3}}}}, "training.batch: unknown field");
  ExpectError(json{{"training", {{"steps", 5}}}, {"checkpoint", {{"async", 1}}}},
              "checkpoint.async: must be a boolean");
  ExpectError(json{{"training", {{"model", json::object()}}}}, "training.steps: required");
  ExpectError(json{{"training", {{"steps", 0}}}}, "training.steps: must be >= 1");
  ExpectError(json{{"training", {{"steps", 5}, {"model", {{"heads", 5}}}}}},
              "training.model.heads: must divide training.model.hiddenSize");
}

TEST(TrainConfigTest, RejectsBatchThatDoesNotSplitOverRanks) {
  auto config = ParseTrainConfig(
      json{{"training", {{"steps", 5}, {"globalBatchSize", 8}, {"microBatchSize", 4}}}});
  ASSERT_TRUE(config.ok());
  EXPECT_TRUE(ValidateForWorldSize(*config, 2).ok());
  absl::Status s = ValidateForWorldSize(*config, 4);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("training.globalBatchSize"), std::string::npos);
  EXPECT_FALSE(ParseTrainConfigText("{not json").ok());
}

}  // namespace
}  // namespace flyover::worker
