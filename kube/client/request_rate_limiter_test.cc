#include "kube/client/request_rate_limiter.h"

#include <thread>

#include "common/fake_clock.h"
#include "gtest/gtest.h"
#include "kube/client/watch_backoff.h"

namespace flyover::kube {
namespace {

TEST(RequestRateLimiterTest, AllowsTheBurstThenPacesAtQps) {
  FakeClock clock;
  RequestRateLimiter limiter({.qps = 2, .burst = 3}, &clock);
  const absl::Time far = clock.Now() + absl::Hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(*limiter.Wait(far), absl::ZeroDuration());
  EXPECT_FALSE(limiter.TryAccept());

  absl::StatusOr<absl::Duration> waited;
  std::thread waiter([&] { waited = limiter.Wait(far); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Milliseconds(500));
  waiter.join();
  ASSERT_TRUE(waited.ok());
  EXPECT_EQ(*waited, absl::Milliseconds(500));

  clock.Advance(absl::Seconds(10));  // refills to the burst, no further
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAccept());
  EXPECT_FALSE(limiter.TryAccept());
}

TEST(RequestRateLimiterTest, RefusesAWaitPastTheDeadlineWithoutTakingAToken) {
  FakeClock clock;
  RequestRateLimiter limiter({.qps = 1, .burst = 1}, &clock);
  ASSERT_TRUE(limiter.TryAccept());
  absl::StatusOr<absl::Duration> late = limiter.Wait(clock.Now() + absl::Milliseconds(100));
  EXPECT_TRUE(absl::IsDeadlineExceeded(late.status())) << late.status();
  clock.Advance(absl::Seconds(1));
  EXPECT_TRUE(limiter.TryAccept());  // the refused wait did not consume the refill
}

TEST(RequestRateLimiterTest, OffWhenQpsIsZero) {
  FakeClock clock;
  RequestRateLimiter limiter({.qps = 0, .burst = 1}, &clock);
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(*limiter.Wait(clock.Now()), absl::ZeroDuration());
}

TEST(WatchBackoffTest, DoublesFromInitialToTheCapWithJitter) {
  FakeClock clock;
  double r = 0.0;
  WatchBackoff backoff(WatchBackoffOptions{}, &clock, [&r] { return r; });
  const int64_t want_ms[] = {800, 1600, 3200, 6400, 12800, 25600, 30000, 30000};
  for (int64_t ms : want_ms) {
    EXPECT_EQ(backoff.Next(), absl::Milliseconds(ms));
    clock.Advance(absl::Seconds(1));
  }
  r = 0.5;  // jitter 1.0 adds up to 100%
  EXPECT_EQ(backoff.Next(), absl::Seconds(45));
}

TEST(WatchBackoffTest, ResetsAfterAHealthyPeriod) {
  FakeClock clock;
  WatchBackoff backoff(WatchBackoffOptions{}, &clock, [] { return 0.0; });
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(800));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(1600));
  clock.Advance(absl::Minutes(2) + absl::Seconds(1));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(800));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(1600));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(800));
}

TEST(WatchBackoffTest, DefaultRandomSourceStaysInRange) {
  RandomSource random = DefaultRandomSource();
  for (int i = 0; i < 1000; ++i) {
    double r = random();
    ASSERT_GE(r, 0.0);
    ASSERT_LT(r, 1.0);
  }
}

}  // namespace
}  // namespace flyover::kube
