// StopSignal: a one-shot "please stop" flag that long-running calls (watches, backoff
// waits, informer loops) observe, like Go's stop channel.
//
//   StopSignal stop;
//   std::thread t([&] { reflector.Run(&stop); });
//   ...
//   stop.Stop();   // Run returns promptly
//
// Waiting goes through an injected Clock (WaitFor), so a backoff wait in a test runs on a
// FakeClock yet still ends at once when Stop() is called. Code that blocks elsewhere (a socket
// read, another mutex) registers a callback with OnStop() to be woken.
//
// Ownership: the creator owns the signal; it must outlive every waiter and registration.
// Thread-safety: all methods are thread-safe. Callbacks run under the signal's own lock, on
// the thread that calls Stop() (or on the registering thread if already stopped): they must
// be short, must not block, and must not call into this StopSignal. They may lock another
// mutex as long as no code holding that mutex calls into this StopSignal.
#ifndef FLYOVER_KUBE_CACHE_STOP_SIGNAL_H_
#define FLYOVER_KUBE_CACHE_STOP_SIGNAL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::kube {

class StopSignal {
 public:
  // Unregisters its callback when destroyed; once the destructor returns the callback is not
  // running and never will be. Movable, not copyable.
  class Registration {
   public:
    Registration() = default;
    Registration(Registration&& other) noexcept
        : signal_(std::exchange(other.signal_, nullptr)), id_(other.id_) {}
    Registration& operator=(Registration&& other) noexcept;
    ~Registration() { Reset(); }
    void Reset();

   private:
    friend class StopSignal;
    Registration(StopSignal* signal, uint64_t id) : signal_(signal), id_(id) {}
    StopSignal* signal_ = nullptr;
    uint64_t id_ = 0;
  };

  StopSignal() = default;
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Sets the flag and runs every registered callback once. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] bool stopped() const ABSL_LOCKS_EXCLUDED(mu_);

  // Waits until Stop() is called or `timeout` has passed on `clock`. Returns stopped().
  bool WaitFor(Clock* clock, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs `callback` when Stop() is called, or right away (on this thread) if it already was.
  [[nodiscard]] Registration OnStop(std::function<void()> callback) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Unregister(uint64_t id) ABSL_LOCKS_EXCLUDED(mu_);

  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<uint64_t, std::function<void()>> callbacks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_STOP_SIGNAL_H_
