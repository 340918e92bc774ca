#include "worker/checkpoint/checkpoint_writer.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/fake_clock.h"
#include "common/fault_injecting_file_system.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/checkpoint/checkpoint_loader.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeWorldState;
using testing::RestoredMatches;
using testing::WorldState;

// Passes everything to `base`, except that Sync() of a shard file blocks until Release().
class GatedFileSystem final : public testing::ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  void Release() { gate_.Notify(); }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(absl::string_view path) override {
    absl::StatusOr<std::unique_ptr<WritableFile>> file = base_->NewWritableFile(path);
    if (!file.ok() || !absl::StrContains(path, "shard-")) return file;
    return std::unique_ptr<WritableFile>(new GatedFile(*std::move(file), &gate_));
  }

 private:
  class GatedFile final : public WritableFile {
   public:
    GatedFile(std::unique_ptr<WritableFile> base, absl::Notification* gate)
        : base_(std::move(base)), gate_(gate) {}
    absl::Status Append(absl::string_view data) override { return base_->Append(data); }
    absl::Status Sync() override {
      gate_->WaitForNotification();
      return base_->Sync();
    }
    absl::Status Close() override { return base_->Close(); }

   private:
    std::unique_ptr<WritableFile> base_;
    absl::Notification* gate_;
  };

  absl::Notification gate_;
};

class CheckpointWriterTest : public testing::CheckpointTest {
 protected:
  std::unique_ptr<CheckpointWriter> NewWriter(FileSystem* fs, CheckpointWriterOptions options,
                                              CheckpointBarrier* barrier = nullptr) {
    if (options.root.empty()) options.root = root_;
    absl::StatusOr<std::unique_ptr<CheckpointWriter>> writer =
        CheckpointWriter::Create(fs, barrier, options);
    EXPECT_TRUE(writer.ok()) << writer.status();
    return writer.ok() ? *std::move(writer) : nullptr;
  }

  absl::StatusOr<RestoredState> LoadLatest() {
    return CheckpointLoader(&base_, root_).LoadLatest({});
  }
  bool Committed(uint64_t step) {
    return base_.FileExists(absl::StrCat(StepDirPath(root_, step), "/", kManifestFileName))
        .value_or(false);
  }
};

TEST_F(CheckpointWriterTest, SnapshotReturnsBeforeTheDataIsDurable) {
  GatedFileSystem fs(&base_);
  auto writer = NewWriter(&fs, {});
  WorldState state = MakeWorldState(5000, 1, 7, 1);
  const WorldState original = state;
  ASSERT_TRUE(writer->Snapshot(state.ViewOf(0)).ok());

  // The shard's fsync cannot finish before Release(), so nothing is committed yet.
  EXPECT_EQ(writer->Wait(absl::Milliseconds(10)).code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(Committed(7));
  EXPECT_EQ(writer->last_committed_step(), std::nullopt);
  // The trainer moves on and overwrites its state; the snapshot is a copy.
  state.params.assign(state.params.size(), -1.0f);
  state.adam_m.assign(state.adam_m.size(), -2.0f);

  fs.Release();
  ASSERT_TRUE(writer->Wait(absl::Seconds(30)).ok());
  EXPECT_TRUE(Committed(7));
  EXPECT_EQ(writer->last_committed_step(), 7u);
  const std::optional<CheckpointCommitStats> stats = writer->last_commit_stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->step, 7u);
  EXPECT_GT(stats->shard_bytes, 3 * 5000 * sizeof(float));
  EXPECT_GT(stats->commit, absl::ZeroDuration());
  absl::StatusOr<RestoredState> loaded = LoadLatest();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(RestoredMatches(*loaded, original, {}));
}

TEST_F(CheckpointWriterTest, SnapshotWaitsForThePreviousPersistWithATimeout) {
  GatedFileSystem fs(&base_);
  FakeClock clock;
  auto writer =
      NewWriter(&fs, {.snapshot_wait_timeout = absl::Seconds(20), .clock = &clock});
  const WorldState first = MakeWorldState(100, 1, 1, 1);
  const WorldState second = MakeWorldState(100, 1, 2, 2);
  ASSERT_TRUE(writer->Snapshot(first.ViewOf(0)).ok());
  std::thread timer([&] {
    ASSERT_TRUE(clock.BlockUntilWaiters(1));  // the second Snapshot, waiting
    clock.Advance(absl::Seconds(20));
  });
  const absl::Status busy = writer->Snapshot(second.ViewOf(0));
  timer.join();
  EXPECT_EQ(busy.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(busy.message(), HasSubstr("checkpoint step 1 still persisting"));
  fs.Release();
  ASSERT_TRUE(writer->Wait(absl::Seconds(30)).ok());
  ASSERT_TRUE(writer->Snapshot(second.ViewOf(0)).ok());
  ASSERT_TRUE(writer->Wait(absl::Seconds(30)).ok());
  absl::StatusOr<RestoredState> loaded = LoadLatest();
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(RestoredMatches(*loaded, second, {}));
}

TEST_F(CheckpointWriterTest, BackgroundErrorsAreReportedByWaitOnce) {
  ASSERT_TRUE(testing::WriteWorld(base_, root_, MakeWorldState(100, 1, 1, 1)).ok());
  FaultInjectingFileSystem fs(&base_);
  auto writer = NewWriter(&fs, {});
  fs.FailNth(FileOp::kSync, 1);
  const WorldState state = MakeWorldState(100, 1, 2, 2);
  ASSERT_TRUE(writer->Snapshot(state.ViewOf(0)).ok());
  const absl::Status failed = writer->Wait(absl::Seconds(30));
  EXPECT_EQ(failed.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(failed.message(), HasSubstr("injected fault: sync"));
  EXPECT_THAT(failed.message(), HasSubstr(ShardFileName(0, 1)));
  EXPECT_TRUE(writer->Wait(absl::Seconds(1)).ok()) << "reported once, then forgotten";
  EXPECT_EQ(writer->last_committed_step(), std::nullopt);
  EXPECT_EQ(LoadLatest().value_or(RestoredState{}).step, 1u);

  // The writer keeps working after a failure.
  ASSERT_TRUE(writer->Snapshot(state.ViewOf(0)).ok());
  ASSERT_TRUE(writer->Wait(absl::Seconds(30)).ok());
  EXPECT_EQ(LoadLatest().value_or(RestoredState{}).step, 2u);
}

TEST_F(CheckpointWriterTest, UncollectedErrorIsLoggedAtDestruction) {
  log::CapturingSink sink;
  log::ScopedSink scoped(&sink);
  FaultInjectingFileSystem fs(&base_);
  {
    auto writer = NewWriter(&fs, {});
    fs.FailNth(FileOp::kRename, 1);
    ASSERT_TRUE(writer->Snapshot(MakeWorldState(10, 1, 3, 3).ViewOf(0)).ok());
  }
  EXPECT_THAT(sink.messages(), Contains("checkpoint failure never collected by Wait"));
  EXPECT_FALSE(Committed(3));
}

TEST_F(CheckpointWriterTest, AFailedRankAbortsTheWholeCheckpoint) {
  InProcessBarrier barrier(2);
  FaultInjectingFileSystem faulty(&base_);
  auto rank0 = NewWriter(&base_, {.world_size = 2, .rank = 0}, &barrier);
  auto rank1 = NewWriter(&faulty, {.world_size = 2, .rank = 1}, &barrier);
  faulty.NoSpaceNth(1);
  const WorldState state = MakeWorldState(100, 2, 5, 5);
  ASSERT_TRUE(rank0->Snapshot(state.ViewOf(0)).ok());
  ASSERT_TRUE(rank1->Snapshot(state.ViewOf(1)).ok());
  const absl::Status status0 = rank0->Wait(absl::Seconds(30));
  const absl::Status status1 = rank1->Wait(absl::Seconds(30));
  EXPECT_EQ(status1.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status0.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(status0.message(), HasSubstr("rank 1 failed at write"));
  EXPECT_FALSE(Committed(5));
}

TEST_F(CheckpointWriterTest, AMissingRankTimesOutTheBarrier) {
  FakeClock clock;
  InProcessBarrier barrier(2, &clock);
  auto rank0 = NewWriter(&base_,
                         {.world_size = 2, .rank = 0, .barrier_timeout = absl::Minutes(1),
                          .clock = &clock},
                         &barrier);
  ASSERT_TRUE(rank0->Snapshot(MakeWorldState(100, 2, 5, 5).ViewOf(0)).ok());
  ASSERT_TRUE(clock.BlockUntilWaiters(1));  // rank 0 in the prepare barrier
  clock.Advance(absl::Minutes(1));
  const absl::Status status = rank0->Wait(absl::Hours(1));
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("checkpoint step 5 prepare"));
  EXPECT_FALSE(Committed(5));
}

TEST_F(CheckpointWriterTest, RanksThatDoNotTileAreRejected) {
  InProcessBarrier barrier(2);
  auto rank0 = NewWriter(&base_, {.world_size = 2, .rank = 0}, &barrier);
  auto rank1 = NewWriter(&base_, {.world_size = 2, .rank = 1}, &barrier);
  const WorldState state = MakeWorldState(100, 2, 5, 5);
  RankStateView view1 = state.ViewOf(1);
  view1.range = {40, 100};  // overlaps rank 0's [0, 50)
  view1.adam_m = absl::MakeConstSpan(state.adam_m).subspan(40);
  view1.adam_v = absl::MakeConstSpan(state.adam_v).subspan(40);
  ASSERT_TRUE(rank0->Snapshot(state.ViewOf(0)).ok());
  ASSERT_TRUE(rank1->Snapshot(view1).ok());
  EXPECT_EQ(rank0->Wait(absl::Seconds(30)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rank1->Wait(absl::Seconds(30)).code(), absl::StatusCode::kAborted);
  EXPECT_FALSE(Committed(5));
}

TEST_F(CheckpointWriterTest, AnIntactCommittedStepIsKept) {
  // A resumed run reaches a step that an earlier attempt committed at world size 4.
  const WorldState first = MakeWorldState(1000, 4, 20, 1);
  ASSERT_TRUE(testing::WriteWorld(base_, root_, first, /*keep=*/1).ok());
  ASSERT_TRUE(testing::WriteWorld(base_, root_, MakeWorldState(1000, 2, 20, 2), 1).ok());
  absl::StatusOr<RestoredState> loaded = LoadLatest();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(RestoredMatches(*loaded, first, {}));
}

TEST_F(CheckpointWriterTest, ACorruptCommittedStepIsReplacedWhole) {
  ASSERT_TRUE(testing::WriteWorld(base_, root_, MakeWorldState(1000, 4, 20, 1)).ok());
  const std::string shard = absl::StrCat(StepDirPath(root_, 20), "/", ShardFileName(3, 4));
  ASSERT_TRUE(base_.DeleteFile(shard).ok());
  const WorldState again = MakeWorldState(1000, 2, 20, 2);
  ASSERT_TRUE(testing::WriteWorld(base_, root_, again).ok());
  absl::StatusOr<RestoredState> loaded = LoadLatest();
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(RestoredMatches(*loaded, again, {}));
  EXPECT_THAT(base_.ListDir(StepDirPath(root_, 20)).value_or(std::vector<std::string>{}),
              ElementsAre(std::string(kManifestFileName), ShardFileName(0, 2),
                          ShardFileName(1, 2)));
}

TEST_F(CheckpointWriterTest, RejectsBadOptionsAndStates) {
  InProcessBarrier barrier(2);
  EXPECT_EQ(CheckpointWriter::Create(&base_, nullptr, {}).status().code(),
            absl::StatusCode::kInvalidArgument);  // no root
  EXPECT_EQ(CheckpointWriter::Create(&base_, nullptr, {.root = root_, .keep = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckpointWriter::Create(&base_, nullptr, {.root = root_, .world_size = 2})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);  // no barrier
  EXPECT_EQ(CheckpointWriter::Create(&base_, &barrier, {.root = root_, .world_size = 2, .rank = 2})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  auto writer = NewWriter(&base_, {});
  const WorldState other_world = MakeWorldState(10, 2, 1, 1);
  EXPECT_EQ(writer->Snapshot(other_world.ViewOf(0)).code(), absl::StatusCode::kInvalidArgument);
  RankStateView bad = MakeWorldState(10, 1, 1, 1).ViewOf(0);
  bad.adam_m = {};
  EXPECT_EQ(writer->Snapshot(bad).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(writer->Wait(absl::Seconds(1)).ok());
}

}  // namespace
}  // namespace flyover::worker
