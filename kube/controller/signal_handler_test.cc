#include "kube/controller/signal_handler.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

// The signal is sent to the whole process: every thread alive here was created after
// Install() blocked the signal, so only the handler's signalfd can take it.
TEST(ShutdownSignalHandlerTest, FirstSignalStopsSecondRunsTheHook) {
  StopSignal stop;
  absl::Notification second;
  auto handler = ShutdownSignalHandler::Install(
      &stop, {.signals = {SIGUSR2}, .on_second_signal = [&] { second.Notify(); }});
  ASSERT_TRUE(handler.ok()) << handler.status();

  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_TRUE(stop.WaitFor(RealClock(), absl::Seconds(10)));
  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ((*handler)->received(), 2);
}

TEST(ShutdownSignalHandlerTest, DestructionRestoresTheSignalMask) {
  sigset_t before;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &before), 0);
  ASSERT_EQ(sigismember(&before, SIGUSR2), 0);
  {
    StopSignal stop;
    auto handler = ShutdownSignalHandler::Install(&stop, {.signals = {SIGUSR2}});
    ASSERT_TRUE(handler.ok());
    sigset_t during;
    ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &during), 0);
    EXPECT_EQ(sigismember(&during, SIGUSR2), 1);
  }
  sigset_t after;
  ASSERT_EQ(pthread_sigmask(SIG_SETMASK, nullptr, &after), 0);
  EXPECT_EQ(sigismember(&after, SIGUSR2), 0);
}

TEST(ShutdownSignalHandlerTest, RejectsAnEmptySignalList) {
  StopSignal stop;
  EXPECT_TRUE(absl::IsInvalidArgument(
      ShutdownSignalHandler::Install(&stop, {.signals = {}}).status()));
}

}  // namespace
}  // namespace flyover::kube
