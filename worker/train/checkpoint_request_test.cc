// CheckpointNow: the request file watcher, and ranks that see a request at different steps
// agreeing on one step to checkpoint (in-process ranks, loopback collectives).
#include "worker/train/checkpoint_request.h"

#include <atomic>
#include <memory>

#include "gtest/gtest.h"
#include "common/atomic_file.h"
#include "worker/train/trainer_test_util.h"

namespace flyover::worker {
namespace {

void WriteRequest(FileSystem& fs, const std::string& path, const std::string& body) {
  ASSERT_TRUE(WriteFileAtomically(fs, path, body).ok());
}

TEST(CheckpointRequestWatcherTest, FollowsTheHighestSequenceAndIgnoresBadFiles) {
  const std::string path = MakeTempDir() + "/checkpoint-request";
  CheckpointRequestWatcher watcher(path);
  EXPECT_EQ(watcher.Sequence(), 0);  // no file yet
  FileSystem& fs = *DefaultFileSystem();
  WriteRequest(fs, path, R"({"id": "k-1", "sequence": 1})");
  EXPECT_EQ(watcher.Sequence(), 1);
  EXPECT_EQ(watcher.Sequence(), 1);  // unchanged file: not read again
  WriteRequest(fs, path, R"({"id": "k-2", "sequence": 12})");
  EXPECT_EQ(watcher.Sequence(), 12);
  WriteRequest(fs, path, "not json at all");
  EXPECT_EQ(watcher.Sequence(), 12);
  WriteRequest(fs, path, R"({"id": "k-0", "sequence": 3})");  // never goes back
  EXPECT_EQ(watcher.Sequence(), 12);
}

TrainerOptions RequestOptions(const std::string& root) {
  TrainerOptions o;
  TrainingConfig& t = o.config.training;
  t.model = {.layers = 1, .hidden_size = 16, .heads = 2, .vocab_size = 16, .sequence_length = 8};
  t.dataset = {.train_examples = 60, .eval_examples = 10, .max_operand = 9};
  t.steps = 10;
  t.global_batch_size = 8;
  t.micro_batch_size = 2;
  o.config.checkpoint.interval_steps = 100;  // only the last step and the requests
  o.config.checkpoint.keep = 10;
  o.config.checkpoint.async = false;
  o.checkpoint_root = root;
  o.evaluate = false;
  return o;
}

// Rank r sees request 1 from step 3 + r on; rank 2 alone sees request 2 from step 7 on.
std::function<int64_t()> StaggeredRequests(int rank) {
  auto calls = std::make_shared<int64_t>(0);
  return [calls, rank] {
    const int64_t step = ++*calls;
    if (rank == 2 && step >= 7) return int64_t{2};
    return step >= 3 + rank ? int64_t{1} : int64_t{0};
  };
}

TEST(CheckpointRequestTest, RanksSeeingARequestAtDifferentStepsCheckpointTheSameStep) {
  auto plain = RunRanks(4, RequestOptions(MakeTempDir()));
  auto asked = RunRanks(4, RequestOptions(MakeTempDir()), nullptr, {}, StaggeredRequests);
  for (int r = 0; r < 4; ++r) {
    ASSERT_TRUE(asked[r].status.ok()) << asked[r].status;
    EXPECT_EQ(asked[r].checkpoints, (std::vector<int64_t>{3, 7, 10})) << "rank " << r;
    EXPECT_EQ(plain[r].checkpoints, (std::vector<int64_t>{10})) << "rank " << r;
    // Asking for checkpoints changes nothing in the training itself.
    EXPECT_EQ(asked[r].losses, plain[r].losses);
    EXPECT_EQ(asked[r].params, plain[r].params);
  }
}

TEST(CheckpointRequestTest, RequestsAreIgnoredWithCheckpointsOff) {
  TrainerOptions off = RequestOptions(MakeTempDir());
  off.config.checkpoint.interval_steps = 0;
  auto out = RunRanks(2, off, nullptr, {}, StaggeredRequests);
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(out[r].status.ok()) << out[r].status;
    EXPECT_TRUE(out[r].checkpoints.empty());
  }
}

}  // namespace
}  // namespace flyover::worker
