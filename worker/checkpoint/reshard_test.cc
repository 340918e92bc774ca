// Acceptance test (d): a checkpoint saved at one world size loads at any other, and the
// reassembled parameters and optimizer state are identical element for element.
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "worker/checkpoint/checkpoint_loader.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using testing::MakeWorldState;
using testing::RestoredMatches;
using testing::WorldState;

class ReshardTest : public testing::CheckpointTest {
 protected:
  // Loads every rank at `world_size` and checks each one, and that the ranks' moments put
  // side by side are the saved global moments, bit for bit.
  void ExpectLoadsAt(const WorldState& saved, int world_size) {
    SCOPED_TRACE(world_size);
    CheckpointLoader loader(&base_, root_);
    std::vector<float> m, v;
    for (int rank = 0; rank < world_size; ++rank) {
      const LoadRequest request{.world_size = world_size, .rank = rank};
      absl::StatusOr<RestoredState> state = loader.LoadLatest(request);
      ASSERT_TRUE(state.ok()) << state.status();
      EXPECT_TRUE(RestoredMatches(*state, saved, request)) << "rank " << rank;
      m.insert(m.end(), state->adam_m.begin(), state->adam_m.end());
      v.insert(v.end(), state->adam_v.begin(), state->adam_v.end());
    }
    ASSERT_EQ(m.size(), saved.adam_m.size());
    EXPECT_EQ(std::memcmp(m.data(), saved.adam_m.data(), m.size() * sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(v.data(), saved.adam_v.data(), v.size() * sizeof(float)), 0);
  }
};

TEST_F(ReshardTest, SavedAtFourLoadsAtTwoThreeFourEightAndOne) {
  const WorldState saved = MakeWorldState(1003, 4, 100, 7);
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, saved).ok());
  for (int world_size : {2, 3, 8, 4, 1}) ExpectLoadsAt(saved, world_size);
}

TEST_F(ReshardTest, MoreRanksThanElements) {
  const WorldState saved = MakeWorldState(5, 8, 3, 1);  // three ranks own nothing
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, saved).ok());
  for (int world_size : {3, 8, 16}) ExpectLoadsAt(saved, world_size);
}

TEST_F(ReshardTest, ArbitraryOptimizerRange) {
  const WorldState saved = MakeWorldState(1003, 4, 100, 7);
  ASSERT_TRUE(testing::WriteWorld(fast_, root_, saved).ok());
  // A partition that is not the even one, straddling three saved shards.
  const LoadRequest request{.world_size = 2, .rank = 0, .optimizer_range = ElementRange{100, 900}};
  absl::StatusOr<RestoredState> state = CheckpointLoader(&base_, root_).LoadLatest(request);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_TRUE(RestoredMatches(*state, saved, request));
}

}  // namespace
}  // namespace flyover::worker
