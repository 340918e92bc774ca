#include "kube/cache/stop_signal.h"

#include <atomic>
#include <thread>

#include "common/fake_clock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

TEST(StopSignalTest, WaitForTimesOutOnTheClock) {
  FakeClock clock;
  StopSignal stop;
  std::atomic<int> result = -1;
  std::thread waiter([&] { result = stop.WaitFor(&clock, absl::Seconds(5)) ? 1 : 0; });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(5));
  waiter.join();
  EXPECT_EQ(result, 0);
  EXPECT_FALSE(stop.stopped());
}

TEST(StopSignalTest, StopEndsAWaitAtOnce) {
  FakeClock clock;
  StopSignal stop;
  std::atomic<int> result = -1;
  std::thread waiter([&] { result = stop.WaitFor(&clock, absl::Hours(1)) ? 1 : 0; });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  stop.Stop();
  waiter.join();
  EXPECT_EQ(result, 1);
  EXPECT_TRUE(stop.WaitFor(&clock, absl::Hours(1)));  // already stopped: no wait
}

TEST(StopSignalTest, CallbacksRunOnceAndNotAfterUnregistering) {
  StopSignal stop;
  int a = 0;
  int b = 0;
  StopSignal::Registration ra = stop.OnStop([&] { ++a; });
  {
    StopSignal::Registration rb = stop.OnStop([&] { ++b; });
  }  // unregistered
  stop.Stop();
  stop.Stop();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 0);
  int late = 0;
  StopSignal::Registration rc = stop.OnStop([&] { ++late; });
  EXPECT_EQ(late, 1);  // already stopped: runs at once
}

TEST(StopSignalTest, RegistrationsMove) {
  StopSignal stop;
  int calls = 0;
  StopSignal::Registration outer;
  {
    StopSignal::Registration inner = stop.OnStop([&] { ++calls; });
    outer = std::move(inner);
  }
  stop.Stop();
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace flyover::kube
