#include "kube/cache/rate_limiting_queue.h"

#include <memory>
#include <optional>
#include <string>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/metric_values.h"

namespace flyover::kube {
namespace {

using ::testing::Optional;

class RateLimitingQueueTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  RateLimitingQueue queue_{{.name = "q", .registry = registry_, .clock = &clock_}};
};

TEST_F(RateLimitingQueueTest, AddAfterQueuesTheKeyOnceItsDelayHasPassed) {
  queue_.AddAfter("a", absl::Seconds(1));
  EXPECT_EQ(queue_.NumWaiting(), 1);
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(queue_.Len(), 0);
  clock_.Advance(absl::Milliseconds(999));
  EXPECT_EQ(queue_.Len(), 0);  // the waiter's deadline was not reached: nothing moved
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_THAT(queue_.Get(), Optional(std::string("a")));
  EXPECT_EQ(queue_.NumWaiting(), 0);
}

TEST_F(RateLimitingQueueTest, AddAfterWithoutDelayQueuesAtOnce) {
  queue_.AddAfter("a", absl::ZeroDuration());
  queue_.AddAfter("b", -absl::Seconds(1));
  EXPECT_EQ(queue_.Len(), 2);
}

TEST_F(RateLimitingQueueTest, WaitingKeyMovesEarlierButNeverLater) {
  queue_.AddAfter("a", absl::Seconds(10));
  queue_.AddAfter("a", absl::Seconds(1));  // earlier: wins
  queue_.AddAfter("a", absl::Seconds(5));  // later: ignored
  queue_.AddAfter("marker", absl::Seconds(20));
  EXPECT_EQ(queue_.NumWaiting(), 2);
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(queue_.Get(), Optional(std::string("a")));
  queue_.Done("a");
  clock_.Advance(absl::Seconds(19));
  // The stale 5 s and 10 s entries of "a" came due before the marker and were dropped.
  EXPECT_THAT(queue_.Get(), Optional(std::string("marker")));
  EXPECT_EQ(queue_.Len(), 0);
}

TEST_F(RateLimitingQueueTest, KeysWithTheSameDelayComeOutInAddOrder) {
  queue_.AddAfter("b", absl::Seconds(1));
  queue_.AddAfter("a", absl::Seconds(1));
  queue_.AddAfter("c", absl::Seconds(1));
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(queue_.Get(), Optional(std::string("b")));
  EXPECT_THAT(queue_.Get(), Optional(std::string("a")));
  EXPECT_THAT(queue_.Get(), Optional(std::string("c")));
}

TEST_F(RateLimitingQueueTest, AddRateLimitedBacksOffPerKeyAndForgetResets) {
  const std::map<std::string, std::string> labels = {{"name", "q"}};
  EXPECT_EQ(MetricValue(*registry_, "flyover_workqueue_retries_total", labels), 0);
  queue_.AddRateLimited("a");  // 5 ms
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Milliseconds(5));
  ASSERT_THAT(queue_.Get(), Optional(std::string("a")));
  queue_.AddRateLimited("a");  // 10 ms
  queue_.Done("a");
  EXPECT_EQ(queue_.NumRequeues("a"), 2);
  clock_.Advance(absl::Milliseconds(9));
  EXPECT_EQ(queue_.Len(), 0);
  clock_.Advance(absl::Milliseconds(1));
  ASSERT_THAT(queue_.Get(), Optional(std::string("a")));
  queue_.Forget("a");
  queue_.Done("a");
  EXPECT_EQ(queue_.NumRequeues("a"), 0);
  EXPECT_EQ(MetricValue(*registry_, "flyover_workqueue_retries_total", labels), 2);
}

TEST_F(RateLimitingQueueTest, ShutDownDropsWaitingKeys) {
  queue_.AddAfter("a", absl::Seconds(1));
  queue_.Add("b");
  queue_.ShutDown();
  EXPECT_EQ(queue_.NumWaiting(), 0);
  EXPECT_THAT(queue_.Get(), Optional(std::string("b")));
  EXPECT_EQ(queue_.Get(), std::nullopt);
  queue_.AddAfter("c", absl::Seconds(1));
  EXPECT_EQ(queue_.NumWaiting(), 0);
}

TEST_F(RateLimitingQueueTest, ShutDownWithDrainWaitsForTheKeyInFlight) {
  queue_.Add("a");
  ASSERT_THAT(queue_.Get(), Optional(std::string("a")));
  std::atomic<bool> drained = false;
  std::thread drainer([&] { drained = queue_.ShutDownWithDrain(); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_FALSE(drained);
  queue_.Done("a");
  drainer.join();
  EXPECT_TRUE(drained);
}

TEST(RateLimitingQueueCustomLimiterTest, UsesTheGivenLimiter) {
  FakeClock clock;
  RateLimitingQueue queue({.clock = &clock}, std::make_unique<ItemExponentialRateLimiter>(
                                                 absl::Seconds(1), absl::Seconds(4)));
  for (int i = 0; i < 5; ++i) queue.AddRateLimited("a");
  EXPECT_EQ(queue.NumRequeues("a"), 5);
  // The first call's 1 s delay is the earliest: later calls never postpone a waiting key.
  clock.Advance(absl::Seconds(1));
  EXPECT_THAT(queue.Get(), Optional(std::string("a")));
}

}  // namespace
}  // namespace flyover::kube
