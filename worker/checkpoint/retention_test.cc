// Acceptance test (c): retention keeps exactly the last K committed checkpoints, deletes
// leftovers of failed attempts, and never runs before a newer commit.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/fault_injecting_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/checkpoint/checkpoint_loader.h"
#include "worker/checkpoint/commit_protocol.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::MakeWorldState;

class RetentionTest : public testing::CheckpointTest {
 protected:
  std::vector<uint64_t> Dirs() { return ListStepDirs(base_, root_).value_or(std::vector<uint64_t>{}); }
  std::vector<uint64_t> Committed() {
    return CheckpointLoader(&base_, root_).CommittedSteps().value_or(std::vector<uint64_t>{});
  }
  // A step directory holding a torn shard and no manifest.
  void Leftover(uint64_t step) {
    ASSERT_TRUE(base_.CreateDirs(StepDirPath(root_, step)).ok());
    ASSERT_TRUE(WriteFileAtomically(base_, absl::StrCat(StepDirPath(root_, step), "/",
                                                        ShardFileName(0, 2)),
                                    "torn")
                    .ok());
  }
};

TEST_F(RetentionTest, KeepsExactlyTheLastK) {
  for (int keep : {1, 2, 3}) {
    SCOPED_TRACE(keep);
    ASSERT_TRUE(base_.DeleteDirRecursively(root_).ok());
    for (uint64_t step = 1; step <= 5; ++step) {
      ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 2, step, step), keep).ok());
      std::vector<uint64_t> expected;
      for (uint64_t s = step; s >= 1 && expected.size() < static_cast<size_t>(keep); --s) {
        expected.push_back(s);
      }
      EXPECT_THAT(Committed(), ElementsAreArray(expected)) << "after step " << step;
      EXPECT_THAT(Dirs(), ElementsAreArray(expected.rbegin(), expected.rend()));
    }
  }
}

TEST_F(RetentionTest, DeletesOlderLeftoversAndLeavesNewerOnes) {
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 2, 10, 1), 2).ok());
  Leftover(5);    // an attempt that failed before step 10 committed
  Leftover(15);   // an attempt that failed after it
  Leftover(100);  // a step beyond the one about to commit: a resumed run will redo it
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 2, 20, 2), 2).ok());
  EXPECT_THAT(Dirs(), ElementsAre(10, 20, 100));
  EXPECT_THAT(Committed(), ElementsAre(20, 10));
}

TEST_F(RetentionTest, AnUnparseableManifestDoesNotCountAsCommitted) {
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 1, 10, 1), 3).ok());
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 1, 11, 2), 3).ok());
  ASSERT_TRUE(WriteFileAtomically(base_, absl::StrCat(StepDirPath(root_, 11), "/",
                                                      kManifestFileName),
                                  "{not json")
                  .ok());
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 1, 12, 3), 2).ok());
  EXPECT_THAT(Dirs(), ElementsAre(10, 12));
}

TEST_F(RetentionTest, NeverRunsBeforeANewerCommit) {
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 1, 10, 1), 1).ok());
  FaultInjectingFileSystem fs(&base_);
  fs.FailNth(FileOp::kRename, 1);  // the manifest's rename: step 20 never commits
  EXPECT_FALSE(testing::WriteWorld(fs, root_, MakeWorldState(50, 1, 20, 2), 1).ok());
  EXPECT_EQ(fs.count(FileOp::kDelete), 1);  // only the manifest's temp file
  EXPECT_THAT(Committed(), ElementsAre(10));
}

TEST_F(RetentionTest, NeverDeletesTheStepJustCommittedOrNewerCommittedOnes) {
  for (uint64_t step : {10, 20, 30}) {
    ASSERT_TRUE(testing::WriteWorld(fast_, root_, MakeWorldState(50, 1, step, 1), 3).ok());
  }
  // As if a resumed run had just recommitted step 20 with keep = 1.
  ASSERT_TRUE(ApplyRetention(base_, root_, 20, 1).ok());
  EXPECT_THAT(Committed(), ElementsAre(30, 20));
}

}  // namespace
}  // namespace flyover::worker
