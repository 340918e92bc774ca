#include "worker/checkpoint/test_util.h"

#include <unistd.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "worker/checkpoint/checkpoint_barrier.h"
#include "worker/checkpoint/checkpoint_writer.h"

namespace flyover::worker::testing {
namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A float in [-1, 1) that depends on every input.
float ValueAt(uint32_t seed, uint64_t stream, uint64_t i) {
  const uint64_t bits = SplitMix64(SplitMix64(seed * 3 + stream) ^ i);
  return static_cast<float>(static_cast<double>(bits >> 11) / static_cast<double>(1ULL << 52) -
                            1.0);
}

bool SameBits(absl::Span<const float> a, absl::Span<const float> b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

namespace {

class NoSyncFile final : public WritableFile {
 public:
  explicit NoSyncFile(std::unique_ptr<WritableFile> base) : base_(std::move(base)) {}
  absl::Status Append(absl::string_view data) override { return base_->Append(data); }
  absl::Status Sync() override { return absl::OkStatus(); }
  absl::Status Close() override { return base_->Close(); }

 private:
  const std::unique_ptr<WritableFile> base_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<WritableFile>> NoSyncFileSystem::NewWritableFile(
    absl::string_view path) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file = base_->NewWritableFile(path);
  if (!file.ok()) return file;
  return std::unique_ptr<WritableFile>(new NoSyncFile(*std::move(file)));
}

RankStateView WorldState::ViewOf(int rank) const {
  const ElementRange range = ranges[rank];
  return RankStateView{
      .step = step,
      .lr_schedule_step = lr_schedule_step,
      .world_size = world_size,
      .rank = rank,
      .params = params,
      .range = range,
      .adam_m = absl::MakeConstSpan(adam_m).subspan(range.begin, range.size()),
      .adam_v = absl::MakeConstSpan(adam_v).subspan(range.begin, range.size()),
      .rng_state = rng_states[rank],
      .data_cursor = data_cursors[rank],
  };
}

std::vector<float> WorldState::MomentsOf(const std::vector<float>& global, int rank) const {
  return std::vector<float>(global.begin() + ranges[rank].begin,
                            global.begin() + ranges[rank].end);
}

WorldState MakeWorldState(uint64_t num_elements, int world_size, uint64_t step, uint32_t seed) {
  WorldState state;
  state.step = step;
  state.lr_schedule_step = step * 2 + 1;
  state.world_size = world_size;
  state.params.resize(num_elements);
  state.adam_m.resize(num_elements);
  state.adam_v.resize(num_elements);
  for (uint64_t i = 0; i < num_elements; ++i) {
    state.params[i] = ValueAt(seed, 0, i);
    state.adam_m[i] = ValueAt(seed, 1, i);
    state.adam_v[i] = ValueAt(seed, 2, i) + 1.0f;
  }
  for (int r = 0; r < world_size; ++r) {
    state.rng_states.push_back(absl::StrCat("rng:seed=", seed, ":rank=", r));
    state.data_cursors.push_back(absl::StrCat("cursor:", step * 1000 + r));
    state.ranges.push_back(EvenPartition(num_elements, world_size, r));
  }
  return state;
}

absl::Status WriteWorld(FileSystem& fs, const std::string& root, const WorldState& state,
                        int keep, size_t write_chunk_bytes) {
  InProcessBarrier barrier(state.world_size);
  std::vector<std::unique_ptr<CheckpointWriter>> writers;
  for (int r = 0; r < state.world_size; ++r) {
    absl::StatusOr<std::unique_ptr<CheckpointWriter>> writer = CheckpointWriter::Create(
        &fs, &barrier,
        CheckpointWriterOptions{.root = root,
                                .world_size = state.world_size,
                                .rank = r,
                                .keep = keep,
                                .write_chunk_bytes = write_chunk_bytes,
                                .barrier_timeout = absl::Seconds(30)});
    if (!writer.ok()) return writer.status();
    writers.push_back(*std::move(writer));
  }
  for (int r = 0; r < state.world_size; ++r) {
    if (absl::Status status = writers[r]->Snapshot(state.ViewOf(r)); !status.ok()) return status;
  }
  absl::Status first;
  for (auto& writer : writers) {
    absl::Status status = writer->Wait(absl::Seconds(60));
    if (first.ok()) first = status;
  }
  return first;
}

::testing::AssertionResult RestoredMatches(const RestoredState& restored, const WorldState& state,
                                           const LoadRequest& request) {
  const ElementRange want = request.optimizer_range.value_or(
      EvenPartition(state.params.size(), request.world_size, request.rank));
  if (restored.step != state.step) {
    return ::testing::AssertionFailure() << "step " << restored.step << ", want " << state.step;
  }
  if (restored.lr_schedule_step != state.lr_schedule_step ||
      restored.saved_world_size != state.world_size ||
      restored.num_elements != state.params.size()) {
    return ::testing::AssertionFailure() << "scalar fields differ";
  }
  if (!SameBits(restored.params, state.params)) {
    return ::testing::AssertionFailure() << "params differ";
  }
  if (restored.range != want) {
    return ::testing::AssertionFailure() << "range [" << restored.range.begin << ", "
                                         << restored.range.end << "), want [" << want.begin
                                         << ", " << want.end << ")";
  }
  const auto m = absl::MakeConstSpan(state.adam_m).subspan(want.begin, want.size());
  const auto v = absl::MakeConstSpan(state.adam_v).subspan(want.begin, want.size());
  if (!SameBits(restored.adam_m, m) || !SameBits(restored.adam_v, v)) {
    return ::testing::AssertionFailure() << "optimizer moments differ";
  }
  if (restored.rng_states != state.rng_states || restored.data_cursors != state.data_cursors) {
    return ::testing::AssertionFailure() << "rng states or data cursors differ";
  }
  return ::testing::AssertionSuccess();
}

void CheckpointTest::SetUp() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  // Parameterised names hold '/', which must not become a path separator.
  root_ = absl::StrCat(::testing::TempDir(), "flyover_ckpt_",
                       absl::StrReplaceAll(absl::StrCat(info->test_suite_name(), "_",
                                                        info->name()),
                                           {{"/", "_"}}),
                       "_", ::getpid());
  base_.DeleteDirRecursively(root_).IgnoreError();
  const absl::Status status = base_.CreateDirs(root_);
  ASSERT_TRUE(status.ok()) << status;
}

void CheckpointTest::TearDown() { base_.DeleteDirRecursively(root_).IgnoreError(); }

std::string CheckpointTest::SubDir(const std::string& name) {
  const std::string dir = absl::StrCat(root_, "/", name);
  EXPECT_TRUE(base_.CreateDirs(dir).ok());
  return dir;
}

}  // namespace flyover::worker::testing
