#include "worker/train/trainer.h"

#include "gtest/gtest.h"
#include "worker/train/trainer_test_util.h"

namespace flyover::worker {
namespace {

// A model and dataset small enough for a few dozen steps per test in well under a second.
TrainerOptions TinyOptions(const std::string& root) {
  TrainerOptions o;
  TrainingConfig& t = o.config.training;
  t.model = {.layers = 1, .hidden_size = 16, .heads = 2, .vocab_size = 16, .sequence_length = 8};
  t.dataset = {.train_examples = 60, .eval_examples = 10, .max_operand = 9};
  t.steps = 8;
  t.global_batch_size = 8;
  t.micro_batch_size = 2;
  t.learning_rate = 0.01;
  t.warmup_steps = 2;
  o.config.checkpoint.interval_steps = 2;
  o.config.checkpoint.keep = 10;
  o.checkpoint_root = root;
  o.evaluate = false;
  return o;
}

TEST(TrainerTest, SameSeedSameLossesBitForBitOneRank) {
  auto a = RunRanks(1, TinyOptions(MakeTempDir()));
  auto b = RunRanks(1, TinyOptions(MakeTempDir()));
  ASSERT_TRUE(a[0].status.ok()) << a[0].status;
  ASSERT_EQ(a[0].losses.size(), 8u);
  EXPECT_EQ(a[0].losses, b[0].losses);
  EXPECT_TRUE(a[0].done);
  EXPECT_EQ(a[0].checkpoints.back(), 8);
  EXPECT_LT(a[0].losses.back(), a[0].losses.front());
  TrainerOptions other = TinyOptions(MakeTempDir());
  other.config.training.seed = 7;
  EXPECT_NE(RunRanks(1, other)[0].losses, a[0].losses);
}

TEST(TrainerTest, SameSeedSameLossesBitForBitTwoRanks) {
  auto a = RunRanks(2, TinyOptions(MakeTempDir()));
  auto b = RunRanks(2, TinyOptions(MakeTempDir()));
  for (int r = 0; r < 2; ++r) ASSERT_TRUE(a[r].status.ok()) << a[r].status;
  EXPECT_EQ(a[0].losses, b[0].losses);
  EXPECT_EQ(a[0].losses, a[1].losses);  // every rank reports the global loss
  EXPECT_EQ(a[0].params, a[1].params);
  EXPECT_EQ(a[0].params, b[0].params);
}

TEST(TrainerTest, ReportsTokensPerStepAndCheckpointStalls) {
  auto out = RunRanks(2, TinyOptions(MakeTempDir()));
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(out[r].status.ok()) << out[r].status;
    ASSERT_EQ(out[r].tokens.size(), 8u);
    // 8 examples per step over 2 ranks in micro-batches of 2: 2 micro-batches of 2
    // sequences each, no longer than sequenceLength 8.
    for (int64_t tokens : out[r].tokens) {
      EXPECT_GT(tokens, 0);
      EXPECT_LE(tokens, 2 * 2 * 8);
      EXPECT_EQ(tokens % 2, 0) << "batch x length with batch 2";
    }
    EXPECT_EQ(out[r].saves, (std::vector<int64_t>{2, 4, 6, 8}));  // intervalSteps 2
    ASSERT_EQ(out[r].stall_millis.size(), 4u);
    for (double stall : out[r].stall_millis) EXPECT_GE(stall, 0.0);
  }
  TrainerOptions off = TinyOptions(MakeTempDir());
  off.config.checkpoint.interval_steps = 0;
  EXPECT_TRUE(RunRanks(1, off)[0].saves.empty());
}

std::vector<float> Tail(const std::vector<float>& v, size_t from) {
  return std::vector<float>(v.begin() + from, v.end());
}

TEST(TrainerTest, ResumeIsBitExact) {
  for (int world : {1, 2}) {
    auto full = RunRanks(world, TinyOptions(MakeTempDir()));
    const std::string root = MakeTempDir();
    TrainerOptions first = TinyOptions(root);
    first.stop_after_step = 5;  // the last checkpoint is step 4: step 5 is redone
    auto crashed = RunRanks(world, first);
    ASSERT_TRUE(crashed[0].status.ok()) << crashed[0].status;
    ASSERT_EQ(crashed[0].losses.size(), 5u);
    EXPECT_FALSE(crashed[0].done);
    auto resumed = RunRanks(world, TinyOptions(root));
    for (int r = 0; r < world; ++r) {
      ASSERT_TRUE(resumed[r].status.ok()) << resumed[r].status;
      EXPECT_EQ(resumed[r].losses, Tail(full[r].losses, 4)) << "world " << world;
      EXPECT_EQ(resumed[r].params, full[r].params);
      EXPECT_TRUE(resumed[r].done);
    }
  }
}

TEST(TrainerTest, ResumesFromARequestedStep) {
  auto full = RunRanks(1, TinyOptions(MakeTempDir()));
  const std::string root = MakeTempDir();
  ASSERT_TRUE(RunRanks(1, TinyOptions(root))[0].status.ok());
  TrainerOptions again = TinyOptions(root);
  again.resume_step = 2;
  auto resumed = RunRanks(1, again);
  ASSERT_TRUE(resumed[0].status.ok()) << resumed[0].status;
  EXPECT_EQ(resumed[0].losses, Tail(full[0].losses, 2));
  again.resume_step = 3;  // never checkpointed
  EXPECT_FALSE(RunRanks(1, again)[0].status.ok());
}

TEST(TrainerTest, ResumesAtAnotherWorldSizeThroughReshard) {
  const std::string root = MakeTempDir();
  TrainerOptions first = TinyOptions(root);
  first.stop_after_step = 4;
  auto two = RunRanks(2, TinyOptions(MakeTempDir()));
  ASSERT_TRUE(RunRanks(2, first)[0].status.ok());
  auto one = RunRanks(1, TinyOptions(root));  // from the 2-rank checkpoint at step 4
  ASSERT_TRUE(one[0].status.ok()) << one[0].status;
  ASSERT_EQ(one[0].losses.size(), 4u);
  // Same data and state; only the order of float sums differs.
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(one[0].losses[i], two[0].losses[4 + i], 1e-4f * two[0].losses[4 + i]) << i;
  }
}

TEST(TrainerTest, ResumesFromInMemoryReplicasWithoutDisk) {
  auto full = RunRanks(2, TinyOptions(MakeTempDir()));
  InMemoryReplicaStore replicas;
  TrainerOptions first = TinyOptions(MakeTempDir());
  first.stop_after_step = 4;
  ASSERT_TRUE(RunRanks(2, first, &replicas)[0].status.ok());
  auto resumed = RunRanks(2, TinyOptions(MakeTempDir()), &replicas);  // empty disk
  ASSERT_TRUE(resumed[0].status.ok()) << resumed[0].status;
  EXPECT_EQ(resumed[0].losses, Tail(full[0].losses, 4));
}

TEST(TrainerTest, EvaluatesBeforeAndAfter) {
  TrainerOptions o = TinyOptions(MakeTempDir());
  o.evaluate = true;
  auto out = RunRanks(2, o);
  ASSERT_TRUE(out[0].status.ok()) << out[0].status;
  ASSERT_EQ(out[0].evals.size(), 2u);
  EXPECT_EQ(out[0].evals[0].phase, "before");
  EXPECT_EQ(out[0].evals[1].phase, "after");
  EXPECT_EQ(out[0].evals[0].examples, 10);
  EXPECT_EQ(out[1].evals[1].accuracy, out[0].evals[1].accuracy);
}

TEST(TrainerTest, RejectsAModelTooSmallForTheData) {
  TrainerOptions o = TinyOptions(MakeTempDir());
  o.config.training.model.sequence_length = 4;
  auto out = RunRanks(1, o);
  EXPECT_EQ(out[0].status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(out[0].status.message().find("sequenceLength"), std::string::npos);
  o = TinyOptions(MakeTempDir());
  o.config.training.model.vocab_size = 10;
  EXPECT_NE(RunRanks(1, o)[0].status.message().find("vocabSize"), std::string::npos);
}

}  // namespace
}  // namespace flyover::worker
