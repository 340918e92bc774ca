// FakeClock: a Clock whose time moves only when a test says so.
//
// It starts at a fixed instant (DefaultStartTime(), or the one given) and changes only
// through Advance() and SetTime(). SleepFor() and AwaitWithDeadline() block the calling
// thread until another thread moves the time to or past their deadline (or, for
// AwaitWithDeadline, until the condition holds). BlockUntilWaiters(n) lets the test wait
// until n threads are blocked that way before it moves time, so tests need no sleeps:
//
//   FakeClock clock;
//   std::thread worker([&] { RetryWithBackoff(&clock); });   // sleeps 1s, 2s, 4s, ...
//   ASSERT_TRUE(clock.BlockUntilWaiters(1));
//   clock.Advance(absl::Seconds(1));                          // wakes the first sleep
//
// Ownership: the test owns the FakeClock; it must outlive every thread that waits on it.
//
// Thread-safety: all methods are safe to call concurrently. Advance() and SetTime() wake a
// waiter by locking the mutex that waiter passed to AwaitWithDeadline(), so they must not
// be called while holding such a mutex, nor from inside an absl::Condition.
#ifndef FLYOVER_COMMON_FAKE_CLOCK_H_
#define FLYOVER_COMMON_FAKE_CLOCK_H_

#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover {

class FakeClock final : public Clock {
 public:
  // 2026-01-01T00:00:00Z: fixed, so that formatted times in tests are reproducible.
  static absl::Time DefaultStartTime();

  FakeClock() : FakeClock(DefaultStartTime()) {}
  explicit FakeClock(absl::Time start) : now_(start) {}
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  absl::Time Now() override ABSL_LOCKS_EXCLUDED(mu_);
  void SleepFor(absl::Duration duration) override ABSL_LOCKS_EXCLUDED(mu_);
  bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond, absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) ABSL_LOCKS_EXCLUDED(mu_) override;

  // Moves the time forward by `duration` (negative durations are ignored) and wakes every
  // waiter whose deadline has been reached. Returns once those waiters have been signalled;
  // they may still be on their way out of SleepFor()/AwaitWithDeadline().
  void Advance(absl::Duration duration) ABSL_LOCKS_EXCLUDED(mu_);

  // Sets the time to `time`, which may be in the past (a clock step), and wakes every
  // waiter whose deadline is at or before it.
  void SetTime(absl::Time time) ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until at least `count` threads are waiting in SleepFor()/AwaitWithDeadline() on
  // a deadline not yet reached. Returns false if that does not happen within
  // `real_timeout` of real time, so that a broken test fails instead of hanging.
  [[nodiscard]] bool BlockUntilWaiters(int count,
                                       absl::Duration real_timeout = absl::Seconds(30))
      ABSL_LOCKS_EXCLUDED(mu_);

  // The number of threads waiting on a deadline not yet reached.
  int num_waiters() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Waiter;

  [[nodiscard]] bool Register(Waiter* waiter) ABSL_LOCKS_EXCLUDED(mu_);
  void Deregister(absl::Mutex* mu, Waiter* waiter) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu)
      ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<Waiter*> TakeDueWaiters() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Wake(const std::vector<Waiter*>& due) ABSL_LOCKS_EXCLUDED(mu_);

  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  // Every thread inside AwaitWithDeadline(); each Waiter lives on its thread's stack.
  std::vector<Waiter*> waiters_ ABSL_GUARDED_BY(mu_);
  // How many of waiters_ have a deadline not yet reached.
  int pending_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover

#endif  // FLYOVER_COMMON_FAKE_CLOCK_H_
