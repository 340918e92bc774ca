#include "worker/train/replica_exchange.h"

#include <thread>

#include "gtest/gtest.h"
#include "worker/train/trainer_test_util.h"

namespace flyover::worker {
namespace {

using Inventory = std::vector<std::pair<int, uint64_t>>;

std::unique_ptr<ReplicaHolding> Holding(const std::string& dir = "") {
  return *ReplicaHolding::Open({.job = "j", .dir = dir, .fs = DefaultFileSystem()});
}

TEST(ReplicaHoldingTest, OutlivesItsObjectInItsDirectoryAndDropsOldSteps) {
  const std::string dir = MakeTempDir() + "/held";
  {
    auto held = Holding(dir);
    ASSERT_TRUE(held->Put({.rank = 0, .step = 4, .bytes = "four", .crc32 = 44}).ok());
    ASSERT_TRUE(held->Put({.rank = 2, .step = 4, .bytes = "two", .crc32 = 24}).ok());
    ASSERT_TRUE(held->Put({.rank = 0, .step = 5, .bytes = "five", .crc32 = 55}).ok());
  }
  auto reopened = Holding(dir);
  EXPECT_EQ(reopened->Inventory(), (Inventory{{0, 4}, {0, 5}, {2, 4}}));
  ASSERT_NE(reopened->Find(2, 4), nullptr);
  EXPECT_EQ(reopened->Find(2, 4)->bytes, "two");
  EXPECT_EQ(reopened->Find(2, 4)->crc32, 24u);
  EXPECT_EQ(reopened->Find(2, 4)->job, "j");
  ASSERT_TRUE(reopened->DropStepsBefore(5).ok());
  EXPECT_EQ(Holding(dir)->Inventory(), (Inventory{{0, 5}}));
  ASSERT_TRUE(reopened->Clear().ok());
  EXPECT_FALSE(*DefaultFileSystem()->FileExists(dir));
}

TEST(ReplicaHoldingTest, RejectsMissingJobAndDirectoryWithoutFileSystem) {
  EXPECT_TRUE(absl::IsInvalidArgument(ReplicaHolding::Open({}).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ReplicaHolding::Open({.job = "j", .dir = "/x"}).status()));
}

TEST(ReplicaExchangeTest, TopologyNeedsTwoPods) {
  EXPECT_TRUE(CheckReplicaTopology(4, 2).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(CheckReplicaTopology(4, 4)));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckReplicaTopology(4, 3)));
  EXPECT_TRUE(absl::IsInvalidArgument(CheckReplicaTopology(4, 0)));
  EXPECT_EQ(ReplicaBuddyOf(1, 4, 2), 3);
  EXPECT_EQ(ReplicaBuddyOf(3, 4, 2), 1);
  EXPECT_EQ(ReplicaBuddyOf(5, 6, 2), 1);
}

TEST(ReplicaExchangeTest, EachRankHoldsItsOwnAndItsBuddysNewestSteps) {
  constexpr int kWorld = 4;
  auto comms = *LoopbackCommunicator::CreateGroup({.size = kWorld});
  std::vector<std::unique_ptr<ReplicaHolding>> held;
  for (int r = 0; r < kWorld; ++r) held.push_back(Holding());
  std::vector<std::thread> threads;
  for (int r = 0; r < kWorld; ++r) {
    threads.emplace_back([&, r] {
      for (uint64_t step = 1; step <= 3; ++step) {
        ShardReplica own{.step = step, .bytes = absl::StrCat("r", r, "s", step), .crc32 = 7};
        EXPECT_TRUE(ShareReplica(*comms[r], *held[r], own, {.ranks_per_pod = 2, .keep_steps = 2})
                        .ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(held[0]->Inventory(), (Inventory{{0, 2}, {0, 3}, {2, 2}, {2, 3}}));
  EXPECT_EQ(held[3]->Inventory(), (Inventory{{1, 2}, {1, 3}, {3, 2}, {3, 3}}));
  EXPECT_EQ(held[3]->Find(1, 3)->bytes, "r1s3");
  EXPECT_EQ(held[3]->Find(1, 3)->crc32, 7u);
}

// A model small enough for a few dozen steps of four ranks in about a second.
TrainerOptions PodOptions(const std::string& root) {
  TrainerOptions o;
  TrainingConfig& t = o.config.training;
  t.model = {.layers = 1, .hidden_size = 16, .heads = 2, .vocab_size = 16, .sequence_length = 8};
  t.dataset = {.train_examples = 60, .eval_examples = 10, .max_operand = 9};
  t.steps = 20;
  t.global_batch_size = 8;
  t.micro_batch_size = 2;
  t.learning_rate = 0.01;
  o.config.checkpoint.interval_steps = 10;
  o.config.checkpoint.in_memory_replicas = 2;
  o.checkpoint_root = root;
  o.ranks_per_pod = 2;
  o.evaluate = false;
  return o;
}

std::vector<ReplicaHolding*> Pointers(const std::vector<std::unique_ptr<ReplicaHolding>>& held) {
  std::vector<ReplicaHolding*> out;
  for (const auto& h : held) out.push_back(h.get());
  return out;
}

// Four ranks in two pods stop after step 14 (disk: step 10); the pods in `lost` lose their
// replicas; the restart's losses must be the uninterrupted run's from the returned step.
size_t ResumeAfterLosingPods(const std::vector<int>& lost, const std::vector<float>& reference) {
  const std::string root = MakeTempDir();
  std::vector<std::unique_ptr<ReplicaHolding>> held;
  for (int r = 0; r < 4; ++r) held.push_back(Holding());
  TrainerOptions first = PodOptions(root);
  first.stop_after_step = 14;
  for (const RankOutcome& o : RunRanks(4, first, nullptr, Pointers(held))) {
    EXPECT_TRUE(o.status.ok()) << o.status;
  }
  for (int pod : lost) {
    for (int r = pod * 2; r < pod * 2 + 2; ++r) held[r] = Holding();
  }
  const auto resumed = RunRanks(4, PodOptions(root), nullptr, Pointers(held));
  for (const RankOutcome& o : resumed) EXPECT_TRUE(o.status.ok()) << o.status;
  const size_t from = reference.size() - resumed[0].losses.size();
  EXPECT_EQ(resumed[0].losses, std::vector<float>(reference.begin() + from, reference.end()));
  EXPECT_EQ(resumed[3].losses, resumed[0].losses);
  return from;
}

TEST(TrainerReplicaTest, LosingOnePodResumesFromTheInMemoryStepBitExactly) {
  const std::vector<float> reference = RunRanks(4, PodOptions(MakeTempDir()))[0].losses;
  ASSERT_EQ(reference.size(), 20u);
  EXPECT_EQ(ResumeAfterLosingPods({1}, reference), 14u);
  EXPECT_EQ(ResumeAfterLosingPods({0}, reference), 14u);
}

TEST(TrainerReplicaTest, LosingBothPodsFallsBackToTheDiskCheckpoint) {
  const std::vector<float> reference = RunRanks(4, PodOptions(MakeTempDir()))[0].losses;
  EXPECT_EQ(ResumeAfterLosingPods({0, 1}, reference), 10u);
}

}  // namespace
}  // namespace flyover::worker
