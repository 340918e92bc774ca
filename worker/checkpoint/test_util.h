// Test helpers for worker/checkpoint: a per-test temp root, deterministic training states
// of a whole world, writing them through CheckpointWriters (one per rank, in-process
// barrier), and comparing what a loader returns against them.
#ifndef FLYOVER_WORKER_CHECKPOINT_TEST_UTIL_H_
#define FLYOVER_WORKER_CHECKPOINT_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/file_system.h"
#include "common/posix_file_system.h"
#include "gtest/gtest.h"
#include "worker/checkpoint/checkpoint_types.h"

namespace flyover::worker::testing {

// The state of every rank of a world at one step. Values are a pure function of
// (num_elements, world_size, step, seed), so two states with different seeds differ in
// every element.
struct WorldState {
  uint64_t step = 0;
  uint64_t lr_schedule_step = 0;
  int world_size = 1;
  std::vector<float> params;  // N
  std::vector<float> adam_m;  // N, the union of every rank's shard
  std::vector<float> adam_v;  // N
  std::vector<std::string> rng_states;    // per rank
  std::vector<std::string> data_cursors;  // per rank
  std::vector<ElementRange> ranges;       // per rank, EvenPartition

  // Rank `rank`'s view, as a trainer would hand it to its writer.
  RankStateView ViewOf(int rank) const;
  // The moments of one rank's shard, copied out.
  std::vector<float> MomentsOf(const std::vector<float>& global, int rank) const;
};

WorldState MakeWorldState(uint64_t num_elements, int world_size, uint64_t step, uint32_t seed);

// Writes `state` as a checkpoint: one CheckpointWriter per rank on `fs`, joined by an
// InProcessBarrier, Snapshot then Wait. Returns the first error of any rank.
absl::Status WriteWorld(FileSystem& fs, const std::string& root, const WorldState& state,
                        int keep = 3, size_t write_chunk_bytes = size_t{1} << 20);

// Whether `restored` is exactly `state` as rank `request.rank` of `request.world_size`
// should see it (full params, its optimizer range of m and v, all RNG states and cursors).
::testing::AssertionResult RestoredMatches(const RestoredState& restored, const WorldState& state,
                                           const LoadRequest& request);

// A FileSystem that passes every call to `base` (not owned); subclasses override some.
class ForwardingFileSystem : public FileSystem {
 public:
  explicit ForwardingFileSystem(FileSystem* base) : base_(base) {}

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(absl::string_view path) override {
    return base_->NewWritableFile(path);
  }
  absl::StatusOr<std::string> ReadFile(absl::string_view p) override { return base_->ReadFile(p); }
  absl::Status Rename(absl::string_view f, absl::string_view t) override {
    return base_->Rename(f, t);
  }
  absl::Status SyncDir(absl::string_view d) override { return base_->SyncDir(d); }
  absl::Status DeleteFile(absl::string_view p) override { return base_->DeleteFile(p); }
  absl::Status CreateDirs(absl::string_view p) override { return base_->CreateDirs(p); }
  absl::Status DeleteDirRecursively(absl::string_view p) override {
    return base_->DeleteDirRecursively(p);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(absl::string_view d) override {
    return base_->ListDir(d);
  }
  absl::StatusOr<bool> FileExists(absl::string_view p) override { return base_->FileExists(p); }
  absl::StatusOr<uint64_t> FileSize(absl::string_view p) override { return base_->FileSize(p); }

 protected:
  FileSystem* const base_;
};

// Skips every fsync (files and directories). FaultInjectingFileSystem models process
// crashes, which never lose unsynced data, so tests that walk hundreds of interrupted
// commits lose nothing by it and run in a fraction of the time.
class NoSyncFileSystem final : public ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(absl::string_view path) override;
  absl::Status SyncDir(absl::string_view) override { return absl::OkStatus(); }
};

// A fresh directory per test under ::testing::TempDir(), removed afterwards.
class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // "<root_>/<name>", created.
  std::string SubDir(const std::string& name);

  PosixFileSystem base_;
  NoSyncFileSystem fast_{&base_};  // for tests that only need many checkpoints quickly
  std::string root_;
};

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_CHECKPOINT_TEST_UTIL_H_
