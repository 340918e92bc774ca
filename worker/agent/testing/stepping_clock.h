// SteppingClock: a Clock for single-threaded tests whose sleeps return at once, moving
// the time forward by the amount slept. Unlike FakeClock nothing needs a second thread to
// advance it, so code that sleeps between polls runs at full speed in a test.
// Thread-safety: all methods are safe to call concurrently.
#ifndef FLYOVER_WORKER_AGENT_TESTING_STEPPING_CLOCK_H_
#define FLYOVER_WORKER_AGENT_TESTING_STEPPING_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/fake_clock.h"

namespace flyover::worker::testing {

class SteppingClock final : public Clock {
 public:
  absl::Time Now() override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void SleepFor(absl::Duration duration) override { Advance(duration); }
  bool AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                         absl::Time deadline) override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    (void)mu;  // held by the caller throughout: time moves without waiting
    if (cond.Eval()) return true;
    {
      absl::MutexLock lock(&mu_);
      if (deadline > now_) now_ = deadline;
    }
    return cond.Eval();
  }
  void Advance(absl::Duration duration) {
    absl::MutexLock lock(&mu_);
    if (duration > absl::ZeroDuration()) now_ += duration;
  }

 private:
  absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_) = FakeClock::DefaultStartTime();
};

}  // namespace flyover::worker::testing

#endif  // FLYOVER_WORKER_AGENT_TESTING_STEPPING_CLOCK_H_
