#include "worker/checkpoint/checkpoint_barrier.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::ElementsAre;

TEST(InProcessBarrierTest, EveryRankGetsEveryPayloadInRankOrder) {
  InProcessBarrier barrier(3);
  std::vector<absl::StatusOr<std::vector<std::string>>> results(3);
  std::vector<std::thread> threads;
  for (int r = 2; r >= 0; --r) {
    threads.emplace_back([&, r] {
      results[r] = barrier.AllGather("k", r, absl::StrCat("from ", r), absl::Seconds(30));
    });
  }
  for (std::thread& t : threads) t.join();
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_THAT(*result, ElementsAre("from 0", "from 1", "from 2"));
  }
}

TEST(InProcessBarrierTest, KeysCanBeReusedOnceARoundIsDone) {
  InProcessBarrier barrier(2);
  for (int round = 0; round < 3; ++round) {
    absl::StatusOr<std::vector<std::string>> other;
    std::thread t([&] { other = barrier.AllGather("k", 1, "b", absl::Seconds(30)); });
    absl::StatusOr<std::vector<std::string>> mine =
        barrier.AllGather("k", 0, absl::StrCat("a", round), absl::Seconds(30));
    t.join();
    ASSERT_TRUE(mine.ok() && other.ok());
    EXPECT_THAT(*other, ElementsAre(absl::StrCat("a", round), "b"));
  }
}

TEST(InProcessBarrierTest, TimesOutAndWithdraws) {
  FakeClock clock;
  InProcessBarrier barrier(2, &clock);
  absl::StatusOr<std::vector<std::string>> alone;
  std::thread waiter([&] { alone = barrier.AllGather("k", 0, "early", absl::Seconds(5)); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(4));
  clock.Advance(absl::Seconds(1));
  waiter.join();
  EXPECT_EQ(alone.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(alone.status().message()), ::testing::HasSubstr("1 of 2 ranks"));
  // The withdrawn payload is gone: a later round on the key completes with fresh ones.
  absl::StatusOr<std::vector<std::string>> other;
  std::thread t([&] { other = barrier.AllGather("k", 1, "b", absl::Seconds(30)); });
  absl::StatusOr<std::vector<std::string>> mine =
      barrier.AllGather("k", 0, "late", absl::Seconds(30));
  t.join();
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_THAT(*mine, ElementsAre("late", "b"));
}

TEST(InProcessBarrierTest, RejectsRanksOutsideTheWorld) {
  InProcessBarrier barrier(2);
  EXPECT_EQ(barrier.AllGather("k", 2, "", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(barrier.AllGather("k", -1, "", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::worker
