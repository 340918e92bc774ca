#include "worker/checkpoint/in_memory_replica.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/checkpoint/checkpoint_loader.h"
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

ShardReplica ReplicaOf(const WorldState& state, int rank, const std::string& job = "job-a") {
  absl::StatusOr<EncodedShard> shard = EncodeShard(state.ViewOf(rank));
  EXPECT_TRUE(shard.ok()) << shard.status();
  return ShardReplica{.job = job,
                      .rank = rank,
                      .step = state.step,
                      .bytes = std::move(shard->bytes),
                      .crc32 = shard->crc32};
}

void PutAll(InMemoryReplicaStore& store, const WorldState& state) {
  for (int r = 0; r < state.world_size; ++r) ASSERT_TRUE(store.Put(ReplicaOf(state, r)).ok());
}

TEST(InMemoryReplicaStoreTest, PutGetAndEvictOldSteps) {
  InMemoryReplicaStore store({.steps_per_rank = 2});
  for (uint64_t step : {1, 2, 3}) {
    ASSERT_TRUE(store.Put({.job = "j", .rank = 0, .step = step, .bytes = "abc"}).ok());
  }
  ASSERT_TRUE(store.Put({.job = "j", .rank = 1, .step = 1, .bytes = "x"}).ok());
  ASSERT_TRUE(store.Put({.job = "other", .rank = 0, .step = 9, .bytes = "y"}).ok());
  EXPECT_EQ(store.Get("j", 0, 1).status().code(), absl::StatusCode::kNotFound);  // evicted
  absl::StatusOr<std::shared_ptr<const ShardReplica>> got = store.Get("j", 0, 3);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)->bytes, "abc");
  EXPECT_THAT(store.Steps("j"), ElementsAre(3, 2, 1));
  EXPECT_EQ(store.bytes(), 3u + 3u + 1u + 1u);

  // Replacing keeps handed-out copies valid.
  ASSERT_TRUE(store.Put({.job = "j", .rank = 0, .step = 3, .bytes = "new"}).ok());
  EXPECT_EQ((*got)->bytes, "abc");
  EXPECT_EQ(store.Get("j", 0, 3).value()->bytes, "new");

  store.DropJob("j");
  EXPECT_TRUE(store.Steps("j").empty());
  EXPECT_THAT(store.Steps("other"), ElementsAre(9));
  EXPECT_EQ(store.Put({.job = "", .rank = 0}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(LoadFromReplicasTest, LoadsTheNewestCompleteSetResharded) {
  InMemoryReplicaStore store;
  const WorldState old_state = MakeWorldState(1003, 4, 10, 1);
  const WorldState new_state = MakeWorldState(1003, 4, 20, 2);
  PutAll(store, old_state);
  PutAll(store, new_state);
  for (int world : {4, 2, 3}) {
    for (int rank = 0; rank < world; ++rank) {
      const LoadRequest request{.world_size = world, .rank = rank};
      absl::StatusOr<RestoredState> state = LoadFromReplicas(store, "job-a", request);
      ASSERT_TRUE(state.ok()) << state.status();
      EXPECT_TRUE(RestoredMatches(*state, new_state, request));
    }
  }
}

class ReplicaFallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PutAll(store_, old_);
    PutAll(store_, new_);
  }
  void ExpectOld() {
    absl::StatusOr<RestoredState> state = LoadFromReplicas(store_, "job-a", {.world_size = 2});
    ASSERT_TRUE(state.ok()) << state.status();
    EXPECT_TRUE(RestoredMatches(*state, old_, {.world_size = 2}));
  }

  InMemoryReplicaStore store_;
  const WorldState old_ = MakeWorldState(1003, 4, 10, 1);
  const WorldState new_ = MakeWorldState(1003, 4, 20, 2);
};

TEST_F(ReplicaFallbackTest, CorruptReplicaFallsBack) {
  ShardReplica bad = ReplicaOf(new_, 2);
  bad.bytes[500] ^= 0x04;
  ASSERT_TRUE(store_.Put(std::move(bad)).ok());
  ExpectOld();
}

TEST_F(ReplicaFallbackTest, CorruptRankZeroFallsBack) {
  ShardReplica bad = ReplicaOf(new_, 0);
  bad.bytes[30] ^= 0x04;  // the world size in the header
  ASSERT_TRUE(store_.Put(std::move(bad)).ok());
  ExpectOld();
}

TEST_F(ReplicaFallbackTest, WrongRecordedChecksumFallsBack) {
  ShardReplica bad = ReplicaOf(new_, 3);
  bad.crc32 ^= 1;
  ASSERT_TRUE(store_.Put(std::move(bad)).ok());
  ExpectOld();
}

TEST_F(ReplicaFallbackTest, IncompleteSetFallsBack) {
  InMemoryReplicaStore store;
  PutAll(store, old_);
  for (int r = 0; r < 3; ++r) ASSERT_TRUE(store.Put(ReplicaOf(new_, r)).ok());
  absl::StatusOr<RestoredState> state = LoadFromReplicas(store, "job-a", {});
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->step, 10u);
}

TEST_F(ReplicaFallbackTest, NothingIntactIsDataLossNamingTheReplica) {
  InMemoryReplicaStore store;
  ShardReplica bad = ReplicaOf(new_, 1);
  bad.bytes.resize(bad.bytes.size() - 3);
  ASSERT_TRUE(store.Put(std::move(bad)).ok());
  for (int r : {0, 2, 3}) ASSERT_TRUE(store.Put(ReplicaOf(new_, r)).ok());
  absl::StatusOr<RestoredState> state = LoadFromReplicas(store, "job-a", {});
  EXPECT_EQ(state.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(state.status().message(), HasSubstr("replica job-a/rank-1/step-20"));
  EXPECT_EQ(LoadFromReplicas(store, "job-b", {}).status().code(), absl::StatusCode::kNotFound);
}

class ReplicaFromFilesTest : public testing::CheckpointTest {};

TEST_F(ReplicaFromFilesTest, ShardFilesAreReplicas) {
  const WorldState state = MakeWorldState(777, 3, 40, 4);
  ASSERT_TRUE(testing::WriteWorld(base_, root_, state).ok());
  absl::StatusOr<Manifest> manifest = CheckpointLoader(&base_, root_).ReadManifest(40);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  InMemoryReplicaStore store;
  for (const ShardInfo& shard : manifest->shards) {
    absl::StatusOr<std::string> bytes =
        base_.ReadFile(absl::StrCat(StepDirPath(root_, 40), "/", shard.file));
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(store.Put({.job = "j", .rank = shard.rank, .step = 40, .bytes = *bytes,
                           .crc32 = shard.crc32})
                    .ok());
  }
  absl::StatusOr<RestoredState> loaded = LoadFromReplicas(store, "j", {.world_size = 2, .rank = 1});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(RestoredMatches(*loaded, state, {.world_size = 2, .rank = 1}));
}

}  // namespace
}  // namespace flyover::worker
