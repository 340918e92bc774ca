// ShardOf's layout rule and SumInRankOrder's arithmetic.
#include "worker/comm/communicator.h"

#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "worker/comm/rank_order_sum.h"

namespace flyover::worker {
namespace {

TEST(ShardOfTest, FloorBoundariesSpreadTheRemainder) {
  // n = 10 over 4 ranks: boundaries 0, 2, 5, 7, 10.
  EXPECT_EQ(ShardOf(10, 4, 0), (ShardRange{0, 2}));
  EXPECT_EQ(ShardOf(10, 4, 1), (ShardRange{2, 3}));
  EXPECT_EQ(ShardOf(10, 4, 2), (ShardRange{5, 2}));
  EXPECT_EQ(ShardOf(10, 4, 3), (ShardRange{7, 3}));
}

TEST(ShardOfTest, ShardsTileTheBufferInRankOrderWithSizesWithinOne) {
  for (size_t n : {0u, 1u, 3u, 7u, 8u, 1000u, 1001u, 65537u}) {
    for (int world : {1, 2, 3, 4, 7, 8, 16}) {
      size_t next = 0;
      for (int r = 0; r < world; ++r) {
        const ShardRange shard = ShardOf(n, world, r);
        EXPECT_EQ(shard.offset, next) << n << "/" << world << " rank " << r;
        EXPECT_GE(shard.size, n / world);
        EXPECT_LE(shard.size, (n + world - 1) / world);
        next = shard.offset + shard.size;
      }
      EXPECT_EQ(next, n) << n << "/" << world;
    }
  }
}

TEST(ShardOfTest, HugeBuffersDoNotOverflow) {
  const size_t n = size_t{1} << 40;
  EXPECT_EQ(ShardOf(n, 1024, 1023), (ShardRange{n - n / 1024, n / 1024}));
}

TEST(CollectiveNameTest, NamesEveryKind) {
  EXPECT_STREQ(CollectiveName(CollectiveKind::kAllReduce), "AllReduce");
  EXPECT_STREQ(CollectiveName(CollectiveKind::kReduceScatter), "ReduceScatter");
  EXPECT_STREQ(CollectiveName(CollectiveKind::kAllGather), "AllGather");
  EXPECT_STREQ(CollectiveName(CollectiveKind::kBroadcast), "Broadcast");
  EXPECT_STREQ(CollectiveName(CollectiveKind::kBarrier), "Barrier");
}

TEST(SumInRankOrderTest, FoldsLeftToRightInTheGivenOrder) {
  // 1e8 + 1 - 1e8 is 0 in float when folded left to right, 1 when the large terms meet first.
  const float a[] = {1e8f}, b[] = {1.0f}, c[] = {-1e8f};
  float out = -1.0f;
  const float* abc[] = {a, b, c};
  SumInRankOrder(abc, 1, &out);
  EXPECT_EQ(out, 0.0f);
  const float* acb[] = {a, c, b};
  SumInRankOrder(acb, 1, &out);
  EXPECT_EQ(out, 1.0f);
}

TEST(SumInRankOrderTest, OutputMayBeAnInputAcrossBlockBoundaries) {
  const size_t n = 2500;  // more than one internal block
  std::vector<float> x(n), y(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(i);
    y[i] = 0.5f;
  }
  const float* inputs[] = {y.data(), x.data()};
  SumInRankOrder(inputs, n, x.data());
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(x[i], 0.5f + static_cast<float>(i)) << i;
}

TEST(SumInRankOrderTest, SingleInputIsCopied) {
  const float in[] = {1.5f, -2.0f};
  float out[2] = {};
  const float* inputs[] = {in};
  SumInRankOrder(inputs, 2, out);
  EXPECT_EQ(std::memcmp(in, out, sizeof(in)), 0);
}

}  // namespace
}  // namespace flyover::worker
