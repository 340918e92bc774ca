#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/fake_clock.h"
#include "gtest/gtest.h"

namespace flyover {
namespace {

TEST(RealClockTest, NowFollowsAbslNow) {
  const absl::Time before = absl::Now();
  const absl::Time now = RealClock()->Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now, absl::Now());
  EXPECT_EQ(RealClock(), RealClock());
}

TEST(RealClockTest, AwaitReturnsAtOnceWhenConditionHolds) {
  absl::Mutex mu;
  absl::MutexLock lock(&mu);
  EXPECT_TRUE(RealClock()->AwaitWithTimeout(&mu, absl::Condition::kTrue, absl::Hours(1)));
}

TEST(RealClockTest, AwaitTimesOut) {
  absl::Mutex mu;
  const bool never = false;
  absl::MutexLock lock(&mu);
  EXPECT_FALSE(
      RealClock()->AwaitWithTimeout(&mu, absl::Condition(&never), absl::Milliseconds(1)));
}

TEST(FakeClockTest, StartsAtFixedTimeAndMovesOnlyWhenTold) {
  FakeClock clock;
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1767225600));
  clock.Advance(absl::Seconds(90));
  EXPECT_EQ(clock.Now(), FakeClock::DefaultStartTime() + absl::Seconds(90));
  clock.Advance(-absl::Seconds(5));  // ignored
  EXPECT_EQ(clock.Now(), FakeClock::DefaultStartTime() + absl::Seconds(90));
  const absl::Time earlier = absl::FromUnixSeconds(1000);
  clock.SetTime(earlier);
  EXPECT_EQ(clock.Now(), earlier);
  EXPECT_EQ(FakeClock(earlier).Now(), earlier);
}

TEST(FakeClockTest, NonPositiveSleepReturnsAtOnce) {
  FakeClock clock;
  clock.SleepFor(absl::ZeroDuration());
  clock.SleepFor(-absl::Seconds(1));
  EXPECT_EQ(clock.num_waiters(), 0);
}

TEST(FakeClockTest, SleepBlocksUntilTimeReachesDeadline) {
  FakeClock clock;
  std::atomic<bool> woke{false};
  std::thread sleeper([&] {
    clock.SleepFor(absl::Seconds(10));
    woke = true;
  });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(9));
  EXPECT_EQ(clock.num_waiters(), 1);  // deadline not reached: still counted as waiting
  EXPECT_FALSE(woke);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(clock.num_waiters(), 0);
  sleeper.join();
  EXPECT_TRUE(woke);
}

TEST(FakeClockTest, SetTimeWakesSleepers) {
  FakeClock clock;
  std::thread sleeper([&] { clock.SleepFor(absl::Minutes(1)); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.SetTime(FakeClock::DefaultStartTime() + absl::Hours(1));
  sleeper.join();
}

TEST(FakeClockTest, WakesOnlyWaitersWhoseDeadlinePassed) {
  FakeClock clock;
  std::vector<std::thread> sleepers;
  for (int seconds : {1, 2, 3}) {
    sleepers.emplace_back([&clock, seconds] { clock.SleepFor(absl::Seconds(seconds)); });
  }
  ASSERT_TRUE(clock.BlockUntilWaiters(3));
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(clock.num_waiters(), 2);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(clock.num_waiters(), 1);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(clock.num_waiters(), 0);
  for (std::thread& sleeper : sleepers) sleeper.join();
}

TEST(FakeClockTest, AwaitReturnsTrueWhenConditionBecomesTrue) {
  FakeClock clock;
  absl::Mutex mu;
  bool ready = false;
  bool result = false;
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    result = clock.AwaitWithTimeout(&mu, absl::Condition(&ready), absl::Hours(1));
  });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  {
    absl::MutexLock lock(&mu);
    ready = true;
  }
  waiter.join();
  EXPECT_TRUE(result);
  EXPECT_EQ(clock.Now(), FakeClock::DefaultStartTime());  // no fake time passed
  EXPECT_EQ(clock.num_waiters(), 0);
}

TEST(FakeClockTest, AwaitReturnsFalseWhenDeadlinePasses) {
  FakeClock clock;
  absl::Mutex mu;
  const bool ready = false;
  bool result = true;
  absl::Time returned_at;
  std::thread waiter([&] {
    absl::MutexLock lock(&mu);
    result = clock.AwaitWithTimeout(&mu, absl::Condition(&ready), absl::Seconds(30));
    returned_at = clock.Now();
  });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(31));
  waiter.join();
  EXPECT_FALSE(result);
  EXPECT_GE(returned_at, FakeClock::DefaultStartTime() + absl::Seconds(30));
}

TEST(FakeClockTest, AwaitWithPastDeadlineChecksConditionOnce) {
  FakeClock clock;
  absl::Mutex mu;
  const bool ready = false;
  absl::MutexLock lock(&mu);
  EXPECT_FALSE(clock.AwaitWithDeadline(&mu, absl::Condition(&ready), clock.Now()));
  EXPECT_TRUE(clock.AwaitWithDeadline(&mu, absl::Condition::kTrue, clock.Now()));
}

TEST(FakeClockTest, BlockUntilWaitersGivesUpAfterRealTimeout) {
  FakeClock clock;
  EXPECT_FALSE(clock.BlockUntilWaiters(1, absl::Milliseconds(10)));
}

// The pattern the clock exists for: exponential backoff driven step by step by the test.
TEST(FakeClockTest, DrivesBackoffLoop) {
  FakeClock clock;
  std::atomic<int> attempts{0};
  std::thread retrier([&] {
    absl::Duration backoff = absl::Seconds(1);
    for (int i = 0; i < 4; ++i) {
      ++attempts;
      clock.SleepFor(backoff);
      backoff *= 2;
    }
  });
  for (absl::Duration step : {absl::Seconds(1), absl::Seconds(2), absl::Seconds(4)}) {
    ASSERT_TRUE(clock.BlockUntilWaiters(1));
    clock.Advance(step);
  }
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  EXPECT_EQ(attempts, 4);
  clock.Advance(absl::Seconds(8));
  retrier.join();
  EXPECT_EQ(clock.Now(), FakeClock::DefaultStartTime() + absl::Seconds(15));
}

// Waiters destroy their mutex right after AwaitWithDeadline() returns while time moves on
// concurrently; the sanitizer build checks that Advance() never touches a dead mutex.
TEST(FakeClockTest, WaitersMayDestroyTheirMutexOnReturn) {
  FakeClock clock;
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const bool never = false;
      for (int i = 0; i < kRounds; ++i) {
        auto mu = std::make_unique<absl::Mutex>();
        mu->Lock();
        clock.AwaitWithTimeout(mu.get(), absl::Condition(&never), absl::Milliseconds(1));
        mu->Unlock();
      }
      ++finished;
    });
  }
  while (finished < kThreads) clock.Advance(absl::Milliseconds(1));
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(clock.num_waiters(), 0);
}

}  // namespace
}  // namespace flyover
