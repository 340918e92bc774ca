#include "worker/checkpoint/shard_format.h"

#include <cstring>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/checkpoint/test_util.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;
using testing::MakeWorldState;
using testing::WorldState;

std::string FloatBytes(absl::Span<const float> values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

TEST(Crc32Test, MatchesTheStandardCheckValue) {
  EXPECT_EQ(Crc32(0, "123456789"), 0xCBF43926u);
  EXPECT_EQ(Crc32(Crc32(0, "12345"), "6789"), 0xCBF43926u);
}

TEST(EvenPartitionTest, TilesAndBalances) {
  for (uint64_t n : {0, 1, 5, 1003, 4096}) {
    for (int w : {1, 2, 3, 4, 8}) {
      uint64_t next = 0;
      for (int r = 0; r < w; ++r) {
        const ElementRange range = EvenPartition(n, w, r);
        EXPECT_EQ(range.begin, next) << n << " over " << w << " rank " << r;
        EXPECT_LE(range.size(), n / w + 1);
        EXPECT_GE(range.size(), n / w);
        next = range.end;
      }
      EXPECT_EQ(next, n);
    }
  }
}

TEST(ValidateRankStateTest, NamesWhatIsWrong) {
  const WorldState world = MakeWorldState(10, 2, 1, 1);
  RankStateView view = world.ViewOf(1);
  EXPECT_TRUE(ValidateRankState(view).ok());
  view.rank = 2;
  EXPECT_THAT(ValidateRankState(view).message(), HasSubstr("rank 2 outside [0, 2)"));
  view = world.ViewOf(1);
  view.range.end = 11;
  EXPECT_EQ(ValidateRankState(view).code(), absl::StatusCode::kInvalidArgument);
  view = world.ViewOf(1);
  view.adam_v = view.adam_v.subspan(1);
  EXPECT_THAT(ValidateRankState(view).message(), HasSubstr("adam_v 4"));
}

TEST(ShardFormatTest, RoundTripsEveryField) {
  const WorldState world = MakeWorldState(1003, 3, 42, 7);
  const RankStateView view = world.ViewOf(1);
  absl::StatusOr<EncodedShard> shard = EncodeShard(view);
  ASSERT_TRUE(shard.ok()) << shard.status();
  EXPECT_EQ(shard->bytes.size(), ShardBodyBytes(view) + kShardTrailerBytes);
  EXPECT_EQ(shard->crc32, Crc32(0, shard->bytes));

  absl::StatusOr<ShardView> parsed = ParseShard(shard->bytes, "s");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header.step, 42u);
  EXPECT_EQ(parsed->header.lr_schedule_step, world.lr_schedule_step);
  EXPECT_EQ(parsed->header.world_size, 3);
  EXPECT_EQ(parsed->header.rank, 1);
  EXPECT_EQ(parsed->header.num_elements, 1003u);
  EXPECT_EQ(parsed->header.range, world.ranges[1]);
  EXPECT_EQ(parsed->params, FloatBytes(view.params.subspan(view.range.begin, view.range.size())));
  EXPECT_EQ(parsed->adam_m, FloatBytes(view.adam_m));
  EXPECT_EQ(parsed->adam_v, FloatBytes(view.adam_v));
  EXPECT_EQ(parsed->rng_state, view.rng_state);
  EXPECT_EQ(parsed->data_cursor, view.data_cursor);
  EXPECT_EQ(parsed->file_crc32, shard->crc32);
}

TEST(ShardFormatTest, HeaderIsLittleEndianAtDocumentedOffsets) {
  const WorldState world = MakeWorldState(8, 2, 0x0102030405060708ULL, 1);
  absl::StatusOr<EncodedShard> shard = EncodeShard(world.ViewOf(1));
  ASSERT_TRUE(shard.ok());
  const std::string& b = shard->bytes;
  EXPECT_EQ(b.substr(0, 8), "FLYCKPT1");
  EXPECT_EQ(b[8], 1);                     // version
  EXPECT_EQ(static_cast<uint8_t>(b[12]), 96);  // header size
  EXPECT_EQ(b[16], 0x08);                 // step, least significant byte first
  EXPECT_EQ(b[23], 0x01);
  EXPECT_EQ(b[24], 2);                    // world size
  EXPECT_EQ(b[28], 1);                    // rank
  EXPECT_EQ(b[40], 4);                    // begin
  EXPECT_EQ(b[48], 8);                    // end
  EXPECT_EQ(b.substr(b.size() - 4), "FEND");
}

TEST(ShardFormatTest, EveryFlippedByteIsCaught) {
  const WorldState world = MakeWorldState(20, 2, 3, 9);
  absl::StatusOr<EncodedShard> shard = EncodeShard(world.ViewOf(0));
  ASSERT_TRUE(shard.ok());
  for (size_t i = 0; i < shard->bytes.size(); ++i) {
    std::string bad = shard->bytes;
    bad[i] ^= 0x10;
    absl::StatusOr<ShardView> parsed = ParseShard(bad, "s");
    ASSERT_FALSE(parsed.ok()) << "flip at " << i;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss) << "flip at " << i;
  }
}

TEST(ShardFormatTest, EveryTruncationIsCaught) {
  const WorldState world = MakeWorldState(20, 2, 3, 9);
  absl::StatusOr<EncodedShard> shard = EncodeShard(world.ViewOf(0));
  ASSERT_TRUE(shard.ok());
  for (size_t size = 0; size < shard->bytes.size(); ++size) {
    absl::StatusOr<ShardView> parsed = ParseShard(shard->bytes.substr(0, size), "path/s");
    ASSERT_FALSE(parsed.ok()) << size;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(parsed.status().message(), HasSubstr("path/s: "));
  }
}

// A shard whose bytes were rewritten and whose trailer was recomputed to match.
std::string Resealed(std::string bytes) {
  const size_t body = bytes.size() - kShardTrailerBytes;
  const auto trailer = EncodeShardTrailer(Crc32(0, absl::string_view(bytes.data(), body)));
  std::memcpy(bytes.data() + body, trailer.data(), trailer.size());
  return bytes;
}

TEST(ShardFormatTest, UnknownVersionIsInvalidArgument) {
  const WorldState world = MakeWorldState(20, 1, 3, 9);
  absl::StatusOr<EncodedShard> shard = EncodeShard(world.ViewOf(0));
  ASSERT_TRUE(shard.ok());
  std::string future = shard->bytes;
  future[8] = 2;
  absl::StatusOr<ShardView> parsed = ParseShard(Resealed(future), "s");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("version 2"));
}

TEST(ShardFormatTest, InconsistentLengthsAreDataLossEvenWithAGoodChecksum) {
  const WorldState world = MakeWorldState(20, 1, 3, 9);
  absl::StatusOr<EncodedShard> shard = EncodeShard(world.ViewOf(0));
  ASSERT_TRUE(shard.ok());
  std::string bad = shard->bytes;
  bad[72] += 1;  // the RNG state length
  absl::StatusOr<ShardView> parsed = ParseShard(Resealed(bad), "s");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(parsed.status().message(), HasSubstr("do not add up"));
}

TEST(ShardFormatTest, EmptyRangeShardIsValid) {
  const WorldState world = MakeWorldState(3, 4, 1, 2);  // rank 3 owns nothing
  absl::StatusOr<EncodedShard> shard = EncodeShard(world.ViewOf(3));
  ASSERT_TRUE(shard.ok());
  absl::StatusOr<ShardView> parsed = ParseShard(shard->bytes, "s");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->header.range.size(), 0u);
  EXPECT_TRUE(parsed->params.empty());
}

TEST(ShardFormatTest, EncodeRejectsAnInvalidState) {
  const WorldState world = MakeWorldState(10, 2, 1, 1);
  RankStateView view = world.ViewOf(0);
  view.adam_m = {};
  EXPECT_EQ(EncodeShard(view).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::worker
