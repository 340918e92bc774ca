#include "worker/checkpoint/checkpoint_loader.h"

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/shard_format.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MakeWorldState;
using testing::RestoredMatches;
using testing::WorldState;

constexpr uint64_t kElements = 1003;
constexpr int kWorld = 4;

// Two committed checkpoints, step 10 (old) and step 20 (new), at world size 4.
class CheckpointLoaderTest : public testing::CheckpointTest {
 protected:
  void SetUp() override {
    CheckpointTest::SetUp();
    ASSERT_TRUE(testing::WriteWorld(fast_, root_, old_).ok());
    ASSERT_TRUE(testing::WriteWorld(fast_, root_, new_).ok());
  }

  std::string NewPath(const std::string& file) {
    return absl::StrCat(StepDirPath(root_, 20), "/", file);
  }
  std::string ShardPath(int rank) { return NewPath(ShardFileName(rank, kWorld)); }

  // Rewrites `path` (through the real filesystem) with `edit` applied to its contents.
  void Edit(const std::string& path, const std::function<void(std::string&)>& edit) {
    absl::StatusOr<std::string> bytes = base_.ReadFile(path);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    edit(*bytes);
    ASSERT_TRUE(WriteFileAtomically(base_, path, *bytes).ok());
  }

  // Expects LoadLatest to fall back to step 10 and LoadStep(20) to fail with DataLoss
  // whose message contains `what`.
  void ExpectFallback(const std::string& what) {
    CheckpointLoader loader(&base_, root_);
    const LoadRequest request{.world_size = 2, .rank = 1};
    absl::StatusOr<RestoredState> latest = loader.LoadLatest(request);
    ASSERT_TRUE(latest.ok()) << latest.status();
    EXPECT_TRUE(RestoredMatches(*latest, old_, request));
    absl::StatusOr<RestoredState> newest = loader.LoadStep(20, request);
    EXPECT_EQ(newest.status().code(), absl::StatusCode::kDataLoss) << newest.status();
    EXPECT_THAT(newest.status().message(), HasSubstr(what));
  }

  const WorldState old_ = MakeWorldState(kElements, kWorld, 10, 1);
  const WorldState new_ = MakeWorldState(kElements, kWorld, 20, 2);
};

TEST_F(CheckpointLoaderTest, LoadsTheNewest) {
  CheckpointLoader loader(&base_, root_);
  for (int rank = 0; rank < kWorld; ++rank) {
    const LoadRequest request{.world_size = kWorld, .rank = rank};
    absl::StatusOr<RestoredState> state = loader.LoadLatest(request);
    ASSERT_TRUE(state.ok()) << state.status();
    EXPECT_TRUE(RestoredMatches(*state, new_, request));
    EXPECT_EQ(state->source, StepDirPath(root_, 20));
  }
  absl::StatusOr<std::vector<uint64_t>> steps = loader.CommittedSteps();
  ASSERT_TRUE(steps.ok());
  EXPECT_THAT(*steps, ElementsAre(20, 10));
}

TEST_F(CheckpointLoaderTest, FlippedByteFallsBack) {
  for (size_t offset : {size_t{0}, size_t{17}, size_t{kShardHeaderBytes + 5}, size_t{2000}}) {
    SCOPED_TRACE(offset);
    Edit(ShardPath(2), [&](std::string& b) { b[offset] ^= 0x01; });
    ExpectFallback(absl::StrCat(ShardPath(2), ": checksum mismatch"));
    Edit(ShardPath(2), [&](std::string& b) { b[offset] ^= 0x01; });  // restore
  }
}

TEST_F(CheckpointLoaderTest, FlippedTrailerFallsBack) {
  Edit(ShardPath(0), [](std::string& b) { b[b.size() - 6] ^= 0x40; });
  ExpectFallback(absl::StrCat(ShardPath(0), ": "));
}

TEST_F(CheckpointLoaderTest, TruncatedShardFallsBack) {
  Edit(ShardPath(3), [](std::string& b) { b.resize(b.size() - 1); });
  ExpectFallback(absl::StrCat(ShardPath(3), ": size "));
  Edit(ShardPath(3), [](std::string& b) { b.resize(b.size() / 2); });
  ExpectFallback("manifest says");
  Edit(ShardPath(3), [](std::string& b) { b.clear(); });
  ExpectFallback(absl::StrCat(ShardPath(3), ": size 0 bytes"));
}

TEST_F(CheckpointLoaderTest, ExtendedShardFallsBack) {
  Edit(ShardPath(1), [](std::string& b) { b.push_back('x'); });
  ExpectFallback(absl::StrCat(ShardPath(1), ": size "));
}

TEST_F(CheckpointLoaderTest, MissingShardFallsBack) {
  ASSERT_TRUE(base_.DeleteFile(ShardPath(1)).ok());
  ExpectFallback(absl::StrCat(ShardPath(1), ": listed in the manifest but missing"));
}

TEST_F(CheckpointLoaderTest, ShardFromAnotherStepFallsBack) {
  // A whole, self-consistent shard, but of step 10: only the manifest check catches it.
  absl::StatusOr<std::string> stale =
      base_.ReadFile(absl::StrCat(StepDirPath(root_, 10), "/", ShardFileName(2, kWorld)));
  ASSERT_TRUE(stale.ok());
  ASSERT_TRUE(WriteFileAtomically(base_, ShardPath(2), *stale).ok());
  ExpectFallback(ShardPath(2));
}

TEST_F(CheckpointLoaderTest, CorruptManifestIsNotCommitted) {
  Edit(NewPath(std::string(kManifestFileName)), [](std::string& b) {
    b[b.find("\"step\"") + 9] ^= 0x01;
  });
  CheckpointLoader loader(&base_, root_);
  absl::StatusOr<RestoredState> latest = loader.LoadLatest({.world_size = 1});
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_TRUE(RestoredMatches(*latest, old_, {.world_size = 1}));
  EXPECT_THAT(loader.CommittedSteps().value_or(std::vector<uint64_t>{}), ElementsAre(10));
  EXPECT_EQ(loader.LoadStep(20, {}).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(CheckpointLoaderTest, UncommittedNewerDirectoryIsIgnored) {
  ASSERT_TRUE(base_.CreateDirs(StepDirPath(root_, 30)).ok());
  ASSERT_TRUE(
      WriteFileAtomically(base_, absl::StrCat(StepDirPath(root_, 30), "/shard-x"), "torn").ok());
  CheckpointLoader loader(&base_, root_);
  absl::StatusOr<RestoredState> latest = loader.LoadLatest({.world_size = 1});
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->step, 20u);
  EXPECT_EQ(loader.LoadStep(30, {}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(CheckpointLoaderTest, AllCorruptIsDataLossNamingEveryStep) {
  Edit(ShardPath(2), [](std::string& b) { b[200] ^= 0x01; });
  const std::string old_shard = absl::StrCat(StepDirPath(root_, 10), "/", ShardFileName(0, kWorld));
  Edit(old_shard, [](std::string& b) { b.resize(10); });
  CheckpointLoader loader(&base_, root_);
  absl::StatusOr<RestoredState> latest = loader.LoadLatest({.world_size = 1});
  EXPECT_EQ(latest.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(latest.status().message(), HasSubstr(ShardPath(2)));
  EXPECT_THAT(latest.status().message(), HasSubstr(old_shard));
}

TEST_F(CheckpointLoaderTest, UnknownVersionStopsInsteadOfFallingBack) {
  Edit(NewPath(std::string(kManifestFileName)), [](std::string& b) {
    nlohmann::json j = nlohmann::json::parse(b);
    j.erase("checksum");
    j["version"] = 2;
    j["checksum"] = Crc32(0, j.dump());
    b = j.dump();
  });
  CheckpointLoader loader(&base_, root_);
  absl::StatusOr<RestoredState> latest = loader.LoadLatest({.world_size = 1});
  EXPECT_EQ(latest.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(latest.status().message(), HasSubstr("manifest version 2"));
}

TEST_F(CheckpointLoaderTest, BadRequestIsInvalidArgument) {
  CheckpointLoader loader(&base_, root_);
  EXPECT_EQ(loader.LoadLatest({.world_size = 2, .rank = 2}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(loader.LoadLatest({.world_size = 2, .optimizer_range = ElementRange{0, kElements + 1}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

class EmptyRootTest : public testing::CheckpointTest {};

TEST_F(EmptyRootTest, NothingCommittedIsNotFound) {
  CheckpointLoader missing(&base_, root_ + "/does-not-exist");
  EXPECT_EQ(missing.LoadLatest({}).status().code(), absl::StatusCode::kNotFound);
  SubDir(StepDirName(5));  // a write that never committed
  CheckpointLoader loader(&base_, root_);
  absl::StatusOr<RestoredState> latest = loader.LoadLatest({});
  EXPECT_EQ(latest.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(latest.status().message(), HasSubstr("no committed checkpoint under " + root_));
}

}  // namespace
}  // namespace flyover::worker
