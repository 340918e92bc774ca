// Acceptance test (a): a checkpoint commit interrupted at ANY filesystem operation, by a
// crash, an error or a torn write, leaves exactly the previous committed checkpoint or the
// new one; a writer never reports success for a checkpoint that is not committed; and a
// later checkpoint cleans up whatever the interruption left behind.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fault_injecting_file_system.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/checkpoint/checkpoint_barrier.h"
#include "worker/checkpoint/checkpoint_loader.h"
#include "worker/checkpoint/checkpoint_writer.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using testing::MakeWorldState;
using testing::RestoredMatches;
using testing::WorldState;

constexpr uint64_t kCrashElements = 1003;
constexpr size_t kChunk = 4096;  // several appends per shard
constexpr int kKeep = 1;         // so the commit also deletes the previous checkpoint

struct Fault {
  std::string name;
  bool crash = false;
  std::function<void(FaultInjectingFileSystem&)> inject;
};

using OpCounts = std::map<FileOp, int64_t>;

// Every fault worth injecting into a rank whose clean commit performs `counts` operations.
std::vector<Fault> AllFaults(const OpCounts& counts) {
  std::vector<Fault> faults;
  for (bool crash : {true, false}) {
    const std::string mode = crash ? "crash at" : "error at";
    for (const auto& entry : counts) {
      const FileOp op = entry.first;  // a plain variable: lambdas may capture it
      for (int64_t n = 1; n <= entry.second; ++n) {
        faults.push_back({absl::StrCat(mode, " ", FileOpName(op), " #", n), crash,
                          [op, n](FaultInjectingFileSystem& fs) { fs.FailNth(op, n); }});
      }
    }
    for (int64_t n = 1; n <= counts.at(FileOp::kAppend); ++n) {
      for (size_t bytes : {size_t{0}, size_t{1}, size_t{1000}}) {
        faults.push_back({absl::StrCat(mode, " append #", n, " after ", bytes, " bytes"), crash,
                          [n, bytes](FaultInjectingFileSystem& fs) { fs.ShortWriteNth(n, bytes); }});
      }
    }
  }
  return faults;
}

class CrashConsistencyTest : public testing::CheckpointTest,
                             public ::testing::WithParamInterface<int> {
 protected:
  int world() const { return GetParam(); }

  // Commits next_ over previous_ in a fresh directory, with `fault` injected into
  // `faulty_rank`'s filesystem (none if null). Returns each rank's operation counts and
  // checks the outcome.
  std::vector<OpCounts> RunCase(const std::string& name, int faulty_rank, const Fault* fault) {
    const std::string dir = SubDir(absl::StrCat("case", cases_++));
    EXPECT_TRUE(testing::WriteWorld(fast_, dir, previous_, kKeep).ok());
    InProcessBarrier barrier(world());
    std::vector<std::unique_ptr<FaultInjectingFileSystem>> fss;
    std::vector<std::unique_ptr<CheckpointWriter>> writers;
    for (int r = 0; r < world(); ++r) {
      fss.push_back(std::make_unique<FaultInjectingFileSystem>(&fast_));
      auto writer = CheckpointWriter::Create(
          fss.back().get(), &barrier,
          {.root = dir, .world_size = world(), .rank = r, .keep = kKeep, .write_chunk_bytes = kChunk,
           .barrier_timeout = absl::Seconds(30)});
      EXPECT_TRUE(writer.ok()) << writer.status();
      writers.push_back(*std::move(writer));
      fss.back()->ResetCounts();
    }
    if (fault != nullptr) {
      fss[faulty_rank]->set_crash_on_fault(fault->crash);
      fault->inject(*fss[faulty_rank]);
    }
    for (int r = 0; r < world(); ++r) EXPECT_TRUE(writers[r]->Snapshot(next_.ViewOf(r)).ok());
    bool all_ok = true;
    for (auto& writer : writers) all_ok &= writer->Wait(absl::Seconds(60)).ok();
    writers.clear();
    CheckOutcome(name, dir, all_ok);
    std::vector<OpCounts> counts(world());
    for (int r = 0; r < world(); ++r) {
      for (FileOp op : kAllFileOps) counts[r][op] = fss[r]->count(op);
    }
    return counts;
  }

  void CheckOutcome(const std::string& name, const std::string& dir, bool writers_ok) {
    SCOPED_TRACE(name);
    CheckpointLoader loader(&base_, dir);
    const LoadRequest request{.world_size = 3, .rank = 1};
    absl::StatusOr<RestoredState> loaded = loader.LoadLatest(request);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    const bool is_new = RestoredMatches(*loaded, next_, request);
    const bool is_old = RestoredMatches(*loaded, previous_, request);
    EXPECT_TRUE(is_new || is_old) << "loaded step " << loaded->step << " is neither";
    if (writers_ok) {
      EXPECT_TRUE(is_new) << "a writer reported success but step 20 is not loaded";
    }
    (is_new ? new_outcomes_ : old_outcomes_)++;
    // Stronger than the loader's fallback: no interruption leaves a committed step that
    // does not verify (which would happen if the manifest could precede its shards).
    for (uint64_t step : loader.CommittedSteps().value_or(std::vector<uint64_t>{})) {
      const absl::Status status = loader.LoadStep(step, request).status();
      EXPECT_TRUE(status.ok()) << "committed step " << step << " is corrupt: " << status;
    }

    // Recovery: the next checkpoint commits and retention removes every leftover.
    ASSERT_TRUE(testing::WriteWorld(fast_, dir, later_, kKeep).ok());
    absl::StatusOr<RestoredState> recovered = loader.LoadLatest(request);
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    EXPECT_TRUE(RestoredMatches(*recovered, later_, request));
    EXPECT_THAT(ListStepDirs(base_, dir).value_or(std::vector<uint64_t>{}),
                ::testing::ElementsAre(30));
  }

  const WorldState previous_ = MakeWorldState(kCrashElements, world(), 10, 1);
  const WorldState next_ = MakeWorldState(kCrashElements, world(), 20, 2);
  const WorldState later_ = MakeWorldState(kCrashElements, world(), 30, 3);
  int cases_ = 0;
  int new_outcomes_ = 0;
  int old_outcomes_ = 0;
};

TEST_P(CrashConsistencyTest, EveryInterruptionLeavesThePreviousOrTheNewCheckpoint) {
  log::CapturingSink quiet;  // hundreds of expected failures would drown the output
  log::ScopedSink scoped(&quiet);
  const std::vector<OpCounts> clean = RunCase("no fault", 0, nullptr);
  ASSERT_EQ(new_outcomes_, 1);
  // The protocol's shape, as counted: rank 0 prepares (create dir, fsync root), writes its
  // shard (create, appends, fsync, close, fsync dir), commits (temp create, append, fsync,
  // close, rename, fsync dir) and deletes the previous checkpoint (manifest, then dir).
  const OpCounts& coordinator = clean[0];
  EXPECT_EQ(coordinator.at(FileOp::kRename), 1);
  EXPECT_EQ(coordinator.at(FileOp::kSync), 2);
  EXPECT_EQ(coordinator.at(FileOp::kSyncDir), 3);
  EXPECT_EQ(coordinator.at(FileOp::kDelete), 2);
  EXPECT_EQ(coordinator.at(FileOp::kCreate), 3);
  EXPECT_GE(coordinator.at(FileOp::kAppend), 3);

  int injected = 0;
  for (int rank = 0; rank < world(); ++rank) {
    for (const Fault& fault : AllFaults(clean[rank])) {
      RunCase(absl::StrCat("rank ", rank, ": ", fault.name), rank, &fault);
      ++injected;
    }
  }
  // Faults before the manifest's rename keep the old checkpoint; the ones after it (the
  // final directory fsync, retention) keep the new one. Both kinds must have occurred.
  EXPECT_GT(old_outcomes_, 0);
  EXPECT_GT(new_outcomes_, 1);
  EXPECT_EQ(old_outcomes_ + new_outcomes_, injected + 1);
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, CrashConsistencyTest, ::testing::Values(1, 2),
                         [](const ::testing::TestParamInfo<int>& param_info) {
                           return absl::StrCat("world", param_info.param);
                         });

}  // namespace
}  // namespace flyover::worker
