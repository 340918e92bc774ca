// Clock: the seam through which Flyover code reads time, sleeps and waits with a timeout.
//
// Code that backs off, expires leases or times out heartbeats takes a `Clock*` instead of
// calling absl::Now() / absl::SleepFor() directly, so that tests can substitute a
// FakeClock (common/fake_clock.h) and run those paths without real time passing.
//
// Ownership: a Clock is never owned by the code that uses it; RealClock() is a process-wide
// singleton that lives forever, and a FakeClock is owned by the test that creates it and
// must outlive every component it is handed to.
//
// Thread-safety: every Clock implementation is safe to call from any number of threads.
#ifndef FLYOVER_COMMON_CLOCK_H_
#define FLYOVER_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace flyover {

class Clock {
 public:
  virtual ~Clock() = default;

  // The current time by this clock.
  virtual absl::Time Now() = 0;

  // Blocks the calling thread until `duration` has passed by this clock. Zero and negative
  // durations return at once.
  virtual void SleepFor(absl::Duration duration) = 0;

  // Waits until `cond` holds or `deadline` has passed by this clock, whichever comes
  // first. `mu` must be held; it is released while waiting (like absl::Mutex::Await) and
  // held again on return. Returns whether `cond` holds on return. `cond` must depend only
  // on state guarded by `mu`, as absl::Condition requires.
  virtual bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                 absl::Time deadline) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;

  // AwaitWithDeadline(mu, cond, Now() + timeout).
  bool AwaitWithTimeout(absl::Mutex* mu, const absl::Condition& cond, absl::Duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return AwaitWithDeadline(mu, cond, Now() + timeout);
  }
};

// The process-wide clock backed by absl::Now(), absl::SleepFor() and absl::Mutex's own
// deadline waits. Never null; never destroyed.
Clock* RealClock();

}  // namespace flyover

#endif  // FLYOVER_COMMON_CLOCK_H_
