#include <set>

#include "gtest/gtest.h"
#include "worker/data/arithmetic_dataset.h"
#include "worker/data/data_loader.h"
#include "worker/data/tokenizer.h"

namespace flyover::worker {
namespace {

TEST(TokenizerTest, RoundTripsArithmetic) {
  auto ids = Encode("12+34=046");
  ASSERT_TRUE(ids.ok());
  EXPECT_EQ(ids->size(), 9u);
  for (int32_t id : *ids) EXPECT_LT(id, kTokenizerVocabSize);
  EXPECT_EQ(Decode(*ids), "12+34=046");
  EXPECT_EQ(Decode({(*ids)[0], kEosToken, (*ids)[1]}), "1");
}

TEST(TokenizerTest, RejectsUnknownCharacterNamingIt) {
  auto ids = Encode("1*2");
  ASSERT_FALSE(ids.ok());
  EXPECT_NE(ids.status().message().find("text[1]"), std::string::npos);
}

ArithmeticDataset MakeDataset(uint64_t seed, int train = 2000, int eval = 200) {
  return *ArithmeticDataset::Create(
      {.train_examples = train, .eval_examples = eval, .max_operand = 99, .seed = seed});
}

TEST(ArithmeticDatasetTest, FormatsFixedWidthProblems) {
  ArithmeticDataset d = MakeDataset(1);
  EXPECT_EQ(d.PromptText({7, 35}), "07+35=");
  EXPECT_EQ(d.AnswerText({7, 35}), "042");
  EXPECT_EQ(d.AnswerText({99, 99}), "198");
  EXPECT_EQ(d.Tokens({12, 34}).size(), static_cast<size_t>(d.example_length()));
  EXPECT_EQ(d.Tokens({12, 34}).back(), kEosToken);
}

TEST(ArithmeticDatasetTest, DeterministicBySeedAndSplitHasNoOverlap) {
  ArithmeticDataset a = MakeDataset(7), b = MakeDataset(7), c = MakeDataset(8);
  EXPECT_EQ(a.train(), b.train());
  EXPECT_EQ(a.eval(), b.eval());
  EXPECT_NE(a.train(), c.train());
  std::set<std::pair<int, int>> held_out;
  for (const auto& p : a.eval()) held_out.insert({p.a, p.b});
  EXPECT_EQ(held_out.size(), 200u);  // distinct
  for (const auto& p : a.train()) EXPECT_FALSE(held_out.contains({p.a, p.b}));
}

TEST(ArithmeticDatasetTest, RejectsTooManyEvalExamples) {
  auto d = ArithmeticDataset::Create({.train_examples = 10, .eval_examples = 60, .max_operand = 9});
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("evalExamples"), std::string::npos);
}

TEST(MicroBatchTest, MasksPromptTargets) {
  ArithmeticDataset d = MakeDataset(1);
  MicroBatch mb = MakeMicroBatch(d, {{12, 34}});
  ASSERT_EQ(mb.length, 9);
  // inputs "12+34=046", targets "2+34=046<eos>", the first 5 in the prompt.
  for (int t = 0; t < 5; ++t) {
    EXPECT_EQ(mb.targets[t], -1);
    EXPECT_EQ(mb.mask[t], 0.0f);
  }
  EXPECT_EQ(mb.masked_in(), 4);
  EXPECT_EQ(Decode({mb.targets.begin() + 5, mb.targets.end()}), "046");
  EXPECT_EQ(mb.targets.back(), kEosToken);
}

std::vector<std::vector<int32_t>> Inputs(const std::vector<MicroBatch>& batches) {
  std::vector<std::vector<int32_t>> out;
  for (const auto& mb : batches) out.push_back(mb.inputs);
  return out;
}

TEST(DataLoaderTest, RanksSplitTheGlobalBatchWithoutOverlap) {
  ArithmeticDataset d = MakeDataset(3, 100);
  auto whole = *DataLoader::Create(&d, {.micro_batch = 2, .world_size = 1, .accumulation = 4});
  std::vector<int32_t> all;
  for (const auto& mb : whole.NextStep()) all.insert(all.end(), mb.inputs.begin(), mb.inputs.end());
  std::multiset<int32_t> expected(all.begin(), all.end()), got;
  for (int r = 0; r < 2; ++r) {
    auto part = *DataLoader::Create(
        &d, {.micro_batch = 2, .world_size = 2, .rank = r, .accumulation = 2});
    auto batches = part.NextStep();
    ASSERT_EQ(batches.size(), 2u);
    for (const auto& mb : batches) {
      EXPECT_EQ(mb.batch, 2);
      got.insert(mb.inputs.begin(), mb.inputs.end());
    }
  }
  EXPECT_EQ(got, expected);
}

TEST(DataLoaderTest, RestoredCursorContinuesExactlyAcrossEpochs) {
  ArithmeticDataset d = MakeDataset(3, 10);
  DataLoaderOptions options{.micro_batch = 3, .world_size = 1, .accumulation = 1, .seed = 5};
  auto reference = *DataLoader::Create(&d, options);
  auto first = *DataLoader::Create(&d, options);
  for (int s = 0; s < 4; ++s) {
    EXPECT_EQ(Inputs(first.NextStep()), Inputs(reference.NextStep()));
  }
  auto resumed = *DataLoader::Create(&d, options);
  ASSERT_TRUE(resumed.Restore(first.SaveCursor(), first.SaveRngState()).ok());
  for (int s = 0; s < 10; ++s) {  // 30 more examples: three more epochs
    EXPECT_EQ(Inputs(resumed.NextStep()), Inputs(reference.NextStep())) << s;
  }
  EXPECT_GE(reference.epoch(), 3u);
}

TEST(DataLoaderTest, RejectsBadCursor) {
  ArithmeticDataset d = MakeDataset(3, 10);
  auto loader = *DataLoader::Create(&d, {});
  EXPECT_FALSE(loader.Restore("{}", loader.SaveRngState()).ok());
  EXPECT_FALSE(loader.Restore(R"({"epoch":0,"position":11})", loader.SaveRngState()).ok());
}

}  // namespace
}  // namespace flyover::worker
