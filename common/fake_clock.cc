#include "common/fake_clock.h"

#include <algorithm>

namespace flyover {

// One thread blocked in AwaitWithDeadline(). The fields are split by the lock that guards
// them because the waking thread must never hold mu_ while it locks the waiter's mutex:
// code routinely calls Now() (taking mu_) while holding its own mutex.
struct FakeClock::Waiter {
  // Whether the waiting thread may stop waiting. Evaluated by absl::Mutex under *mu.
  bool Ready() const { return expired || cond->Eval(); }

  absl::Mutex* const mu;          // the caller's mutex; alive while registered
  const absl::Condition* const cond;
  const absl::Time deadline;
  bool expired = false;           // guarded by *mu: the deadline has been reached
  bool due = false;               // guarded by FakeClock::mu_: counted out of pending_
  bool wake_in_flight = false;    // guarded by FakeClock::mu_: Wake() will lock *mu
};

absl::Time FakeClock::DefaultStartTime() { return absl::FromUnixSeconds(1767225600); }

absl::Time FakeClock::Now() {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::SleepFor(absl::Duration duration) {
  static constexpr bool kNever = false;
  absl::Mutex mu;
  absl::MutexLock lock(&mu);
  AwaitWithDeadline(&mu, absl::Condition(&kNever), Now() + duration);
}

bool FakeClock::AwaitWithDeadline(absl::Mutex* mu, const absl::Condition& cond,
                                  absl::Time deadline) {
  if (cond.Eval()) return true;
  Waiter waiter{mu, &cond, deadline};
  if (!Register(&waiter)) return false;
  mu->Await(absl::Condition(&waiter, &Waiter::Ready));
  Deregister(mu, &waiter);
  return cond.Eval();
}

void FakeClock::Advance(absl::Duration duration) {
  std::vector<Waiter*> due;
  {
    absl::MutexLock lock(&mu_);
    if (duration > absl::ZeroDuration()) now_ += duration;
    due = TakeDueWaiters();
  }
  Wake(due);
}

void FakeClock::SetTime(absl::Time time) {
  std::vector<Waiter*> due;
  {
    absl::MutexLock lock(&mu_);
    now_ = time;
    due = TakeDueWaiters();
  }
  Wake(due);
}

bool FakeClock::BlockUntilWaiters(int count, absl::Duration real_timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count] {
    mu_.AssertHeld();
    return pending_ >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), real_timeout);
}

int FakeClock::num_waiters() {
  absl::MutexLock lock(&mu_);
  return pending_;
}

bool FakeClock::Register(Waiter* waiter) {
  absl::MutexLock lock(&mu_);
  if (now_ >= waiter->deadline) return false;
  waiters_.push_back(waiter);
  ++pending_;
  return true;
}

void FakeClock::Deregister(absl::Mutex* mu, Waiter* waiter) {
  mu_.Lock();
  waiters_.erase(std::find(waiters_.begin(), waiters_.end(), waiter));
  if (!waiter->due) --pending_;
  if (!waiter->wake_in_flight) {
    mu_.Unlock();
    return;
  }
  // Wake() is about to lock *mu. Let it finish first: the caller may destroy the mutex as
  // soon as we return. Wake() needs *mu, so release it while we wait.
  mu->Unlock();
  mu_.Await(absl::Condition(
      +[](Waiter* w) { return !w->wake_in_flight; }, waiter));
  mu_.Unlock();
  mu->Lock();
}

std::vector<FakeClock::Waiter*> FakeClock::TakeDueWaiters() {
  std::vector<Waiter*> due;
  for (Waiter* waiter : waiters_) {
    if (waiter->due || now_ < waiter->deadline) continue;
    waiter->due = true;
    waiter->wake_in_flight = true;
    --pending_;
    due.push_back(waiter);
  }
  return due;
}

void FakeClock::Wake(const std::vector<Waiter*>& due) {
  for (Waiter* waiter : due) {
    // Setting `expired` under the waiter's mutex makes absl::Mutex re-evaluate Ready() on
    // Unlock(), which is what wakes the waiter.
    waiter->mu->Lock();
    waiter->expired = true;
    waiter->mu->Unlock();
    absl::MutexLock lock(&mu_);
    waiter->wake_in_flight = false;  // after this the waiter may return and vanish
  }
}

}  // namespace flyover
