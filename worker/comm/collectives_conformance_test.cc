// Every collective of both Communicator implementations against a reference, on 1, 2, 3,
// 4 and 8 ranks, with element counts that do not divide evenly and that span many
// message segments. Results must match the reference bit for bit.
#include <atomic>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "worker/comm/comm_test_util.h"
#include "worker/comm/communicator.h"

namespace flyover::worker {
namespace {

using testing::BitIdentical;
using testing::Impl;
using testing::MakeGroup;
using testing::ReferenceSum;
using testing::RunOnRanks;
using testing::TestData;

// Element counts: single element, fewer than the ranks, a prime, and one spanning
// many 256-float segments per shard.
const size_t kCounts[] = {1, 5, 997, 30011};

class CollectivesTest : public ::testing::TestWithParam<std::tuple<Impl, int>> {
 protected:
  Impl impl() const { return std::get<0>(GetParam()); }
  int world() const { return std::get<1>(GetParam()); }

  void SetUp() override {
    auto group = MakeGroup(impl(), world());
    ASSERT_TRUE(group.ok()) << group.status();
    comms_ = std::move(*group);
  }

  void TearDown() override { testing::DestroyInParallel(comms_); }

  std::vector<std::vector<float>> Inputs(size_t n, uint32_t salt = 0) const {
    std::vector<std::vector<float>> inputs;
    for (int r = 0; r < world(); ++r) inputs.push_back(TestData(r, n, salt));
    return inputs;
  }

  std::vector<std::unique_ptr<Communicator>> comms_;
};

TEST_P(CollectivesTest, AllReduceIsTheRankOrderSumOnEveryRank) {
  for (size_t n : kCounts) {
    std::vector<std::vector<float>> buffers = Inputs(n);
    const std::vector<float> expected = ReferenceSum(buffers);
    RunOnRanks(world(), [&](int r) {
      ASSERT_TRUE(comms_[r]->AllReduce(absl::MakeSpan(buffers[r])).ok());
    });
    for (int r = 0; r < world(); ++r) {
      EXPECT_TRUE(BitIdentical(buffers[r], expected)) << "rank " << r << " n " << n;
    }
  }
}

TEST_P(CollectivesTest, ReduceScatterLeavesEachRankItsReducedShard) {
  for (size_t n : kCounts) {
    const std::vector<std::vector<float>> inputs = Inputs(n);
    std::vector<std::vector<float>> buffers = inputs;
    const std::vector<float> expected = ReferenceSum(inputs);
    RunOnRanks(world(), [&](int r) {
      ASSERT_TRUE(comms_[r]->ReduceScatter(absl::MakeSpan(buffers[r])).ok());
    });
    for (int r = 0; r < world(); ++r) {
      const ShardRange shard = ShardOf(n, world(), r);
      for (size_t i = 0; i < n; ++i) {
        const bool owned = i >= shard.offset && i < shard.offset + shard.size;
        const float want = owned ? expected[i] : inputs[r][i];  // the rest is untouched
        ASSERT_EQ(std::memcmp(&buffers[r][i], &want, sizeof(float)), 0)
            << "rank " << r << " n " << n << " element " << i << " owned " << owned;
      }
    }
  }
}

TEST_P(CollectivesTest, AllGatherAssemblesEveryShardOnEveryRank) {
  for (size_t n : kCounts) {
    const std::vector<std::vector<float>> inputs = Inputs(n, /*salt=*/3);
    std::vector<float> expected(n);
    std::vector<std::vector<float>> buffers(world(), std::vector<float>(n, -1.0f));
    for (int r = 0; r < world(); ++r) {
      const ShardRange shard = ShardOf(n, world(), r);
      for (size_t i = shard.offset; i < shard.offset + shard.size; ++i) {
        expected[i] = inputs[r][i];
        buffers[r][i] = inputs[r][i];
      }
    }
    RunOnRanks(world(), [&](int r) {
      ASSERT_TRUE(comms_[r]->AllGather(absl::MakeSpan(buffers[r])).ok());
    });
    for (int r = 0; r < world(); ++r) {
      EXPECT_TRUE(BitIdentical(buffers[r], expected)) << "rank " << r << " n " << n;
    }
  }
}

TEST_P(CollectivesTest, ReduceScatterThenAllGatherEqualsAllReduce) {
  const size_t n = 30011;
  std::vector<std::vector<float>> split = Inputs(n, /*salt=*/5);
  std::vector<std::vector<float>> whole = split;
  RunOnRanks(world(), [&](int r) {
    ASSERT_TRUE(comms_[r]->ReduceScatter(absl::MakeSpan(split[r])).ok());
    ASSERT_TRUE(comms_[r]->AllGather(absl::MakeSpan(split[r])).ok());
    ASSERT_TRUE(comms_[r]->AllReduce(absl::MakeSpan(whole[r])).ok());
  });
  for (int r = 0; r < world(); ++r) EXPECT_TRUE(BitIdentical(split[r], whole[r])) << r;
}

TEST_P(CollectivesTest, RepeatedRunsAreBitIdentical) {
  const size_t n = 30011;
  std::vector<std::vector<float>> first = Inputs(n, /*salt=*/7);
  std::vector<std::vector<float>> second = first;
  RunOnRanks(world(), [&](int r) {
    ASSERT_TRUE(comms_[r]->AllReduce(absl::MakeSpan(first[r])).ok());
    ASSERT_TRUE(comms_[r]->AllReduce(absl::MakeSpan(second[r])).ok());
  });
  for (int r = 0; r < world(); ++r) {
    EXPECT_TRUE(BitIdentical(first[r], second[r])) << r;
    EXPECT_TRUE(BitIdentical(first[r], first[0])) << r;
  }
}

TEST_P(CollectivesTest, BroadcastCopiesTheRootsBufferFromEveryRoot) {
  const size_t n = 997;
  for (int root = 0; root < world(); ++root) {
    std::vector<std::vector<float>> buffers = Inputs(n, /*salt=*/11 + root);
    const std::vector<float> expected = buffers[root];
    RunOnRanks(world(), [&](int r) {
      ASSERT_TRUE(comms_[r]->Broadcast(absl::MakeSpan(buffers[r]), root).ok());
    });
    for (int r = 0; r < world(); ++r) EXPECT_TRUE(BitIdentical(buffers[r], expected)) << r;
  }
}

TEST_P(CollectivesTest, BroadcastBytesCopiesOddSizedPayloads) {
  const int root = world() - 1;
  std::vector<std::string> payloads(world(), std::string(13, '\0'));
  payloads[root] = std::string("seed\0=42;lr=3", 13);
  RunOnRanks(world(), [&](int r) {
    auto bytes =
        absl::MakeSpan(reinterpret_cast<uint8_t*>(payloads[r].data()), payloads[r].size());
    ASSERT_TRUE(comms_[r]->BroadcastBytes(bytes, root).ok());
  });
  for (int r = 0; r < world(); ++r) EXPECT_EQ(payloads[r], payloads[root]) << r;
}

TEST_P(CollectivesTest, BarrierReleasesNoRankBeforeAllHaveEntered) {
  std::atomic<int> entered{0};
  std::vector<int> seen(world(), -1);
  RunOnRanks(world(), [&](int r) {
    entered.fetch_add(1);
    ASSERT_TRUE(comms_[r]->Barrier().ok());
    seen[r] = entered.load();
  });
  for (int r = 0; r < world(); ++r) EXPECT_EQ(seen[r], world()) << r;
}

TEST_P(CollectivesTest, EmptyBuffersReturnAtOnce) {
  std::vector<float> empty;
  // No communication: a single rank's call returns without its peers.
  EXPECT_TRUE(comms_[0]->AllReduce(absl::MakeSpan(empty)).ok());
  EXPECT_TRUE(comms_[0]->ReduceScatter(absl::MakeSpan(empty)).ok());
  EXPECT_TRUE(comms_[0]->AllGather(absl::MakeSpan(empty)).ok());
  EXPECT_TRUE(comms_[0]->Broadcast(absl::MakeSpan(empty), 0).ok());
}

TEST_P(CollectivesTest, BadArgumentsFailLocallyAndLeaveTheGroupUsable) {
  std::vector<float> data(4, 1.0f);
  EXPECT_EQ(comms_[0]->Broadcast(absl::MakeSpan(data), world()).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(comms_[0]->Broadcast(absl::MakeSpan(data), -1).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(comms_[0]->AllReduce(absl::MakeSpan(data), {.timeout = absl::ZeroDuration()}).code(),
            absl::StatusCode::kInvalidArgument);
  std::vector<std::vector<float>> buffers(world(), std::vector<float>(4, 1.0f));
  RunOnRanks(world(), [&](int r) {
    ASSERT_TRUE(comms_[r]->AllReduce(absl::MakeSpan(buffers[r])).ok());
  });
  EXPECT_EQ(buffers[0][0], static_cast<float>(world()));
}

std::string Name(const ::testing::TestParamInfo<std::tuple<Impl, int>>& info) {
  return absl::StrCat(testing::ImplName(std::get<0>(info.param)), "_", std::get<1>(info.param),
                      "ranks");
}

INSTANTIATE_TEST_SUITE_P(AllWorldSizes, CollectivesTest,
                         ::testing::Combine(::testing::Values(Impl::kLoopback, Impl::kGloo),
                                            ::testing::Values(1, 2, 3, 4, 8)),
                         Name);

// The reference is worth comparing against only if order matters for these inputs.
TEST(ReferenceTest, SummationOrderChangesTheBitsOfTheseInputs) {
  const size_t n = 997;
  std::vector<std::vector<float>> inputs;
  for (int r = 0; r < 4; ++r) inputs.push_back(TestData(r, n));
  std::vector<std::vector<float>> reversed(inputs.rbegin(), inputs.rend());
  EXPECT_FALSE(BitIdentical(ReferenceSum(inputs), ReferenceSum(reversed)));
}

TEST(CrossImplementationTest, GlooAndLoopbackAgreeBitForBit) {
  const int world = 3;
  const size_t n = 30011;
  std::vector<std::vector<float>> results[2];
  for (Impl impl : {Impl::kLoopback, Impl::kGloo}) {
    auto group = MakeGroup(impl, world);
    ASSERT_TRUE(group.ok()) << group.status();
    std::vector<std::vector<float>> buffers;
    for (int r = 0; r < world; ++r) buffers.push_back(TestData(r, n, /*salt=*/9));
    RunOnRanks(world, [&](int r) {
      ASSERT_TRUE((*group)[r]->AllReduce(absl::MakeSpan(buffers[r])).ok());
    });
    results[impl == Impl::kGloo] = std::move(buffers);
  }
  for (int r = 0; r < world; ++r) EXPECT_TRUE(BitIdentical(results[0][r], results[1][r])) << r;
}

TEST(CrossImplementationTest, SegmentSizeDoesNotChangeTheBits) {
  const int world = 4;
  const size_t n = 30011;
  std::vector<std::vector<float>> results[2];
  const size_t segments[2] = {64, 1 << 20};
  for (int s = 0; s < 2; ++s) {
    auto group = MakeGroup(Impl::kGloo, world, {.segment_bytes = segments[s]});
    ASSERT_TRUE(group.ok()) << group.status();
    std::vector<std::vector<float>> buffers;
    for (int r = 0; r < world; ++r) buffers.push_back(TestData(r, n, /*salt=*/13));
    RunOnRanks(world, [&](int r) {
      ASSERT_TRUE((*group)[r]->AllReduce(absl::MakeSpan(buffers[r])).ok());
    });
    results[s] = std::move(buffers);
  }
  for (int r = 0; r < world; ++r) EXPECT_TRUE(BitIdentical(results[0][r], results[1][r])) << r;
}

}  // namespace
}  // namespace flyover::worker
