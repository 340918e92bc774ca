// RateLimitingQueue: a WorkQueue (work_queue.h) with client-go's delaying and rate-limiting
// layers: AddAfter() queues a key once a delay has passed on the injected clock, and
// AddRateLimited() queues it after the delay its RateLimiter picks (by default
// DefaultControllerRateLimiter: per-key exponential 5 ms .. 1000 s, overall 10 qps / burst 100).
//
//   RateLimitingQueue queue({.name = "ptj", .registry = registry, .clock = clock});
//   // worker:
//   while (std::optional<std::string> key = queue.Get()) {
//     absl::Status s = Reconcile(*key);
//     if (s.ok()) queue.Forget(*key); else queue.AddRateLimited(*key);
//     queue.Done(*key);
//   }
//
// A key waiting for its delay is held once, at its earliest time: AddAfter() of a waiting key
// moves it earlier, never later. Waiting keys are dropped at shutdown.
//
// A background thread moves keys whose time has come into the queue; it waits on the clock
// only while some key is waiting, so with a FakeClock `BlockUntilWaiters(1)` then `Advance()`
// releases the delayed keys.
//
// Thread-safety: all methods are thread-safe. The destructor shuts the queue down and joins
// its thread; no other call may be in progress or follow.
#ifndef FLYOVER_KUBE_CACHE_RATE_LIMITING_QUEUE_H_
#define FLYOVER_KUBE_CACHE_RATE_LIMITING_QUEUE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/rate_limiter.h"
#include "kube/cache/work_queue.h"

namespace flyover::kube {

class RateLimitingQueue {
 public:
  // `limiter` null means DefaultControllerRateLimiter(options.clock).
  explicit RateLimitingQueue(WorkQueueOptions options = {},
                             std::unique_ptr<RateLimiter> limiter = nullptr);
  ~RateLimitingQueue();
  RateLimitingQueue(const RateLimitingQueue&) = delete;
  RateLimitingQueue& operator=(const RateLimitingQueue&) = delete;

  // As WorkQueue.
  void Add(absl::string_view key) { queue_.Add(key); }
  [[nodiscard]] std::optional<std::string> Get() { return queue_.Get(); }
  void Done(absl::string_view key) { queue_.Done(key); }
  [[nodiscard]] size_t Len() const { return queue_.Len(); }
  [[nodiscard]] bool ShuttingDown() const { return queue_.ShuttingDown(); }
  void ShutDown() ABSL_LOCKS_EXCLUDED(mu_);
  bool ShutDownWithDrain() ABSL_LOCKS_EXCLUDED(mu_);

  // Queues `key` once `delay` has passed on the clock; at once when `delay` <= 0.
  void AddAfter(absl::string_view key, absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);
  // AddAfter(key, limiter.When(key)), counted in flyover_workqueue_retries_total.
  void AddRateLimited(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);
  // Resets the limiter's memory of `key` (call when the key was processed successfully).
  void Forget(absl::string_view key) { limiter_->Forget(key); }
  // Rate-limited adds of `key` since it was last forgotten.
  [[nodiscard]] int NumRequeues(absl::string_view key) { return limiter_->NumRequeues(key); }
  // Keys waiting for their delay.
  [[nodiscard]] size_t NumWaiting() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Waiting {
    absl::Time ready;
    uint64_t seq;  // FIFO among equal times
    std::string key;
    bool operator>(const Waiting& other) const {
      return ready != other.ready ? ready > other.ready : seq > other.seq;
    }
  };

  void WaitLoop() ABSL_LOCKS_EXCLUDED(mu_);
  void StopWaiting() ABSL_LOCKS_EXCLUDED(mu_);

  WorkQueue queue_;
  Clock* const clock_;
  const std::unique_ptr<RateLimiter> limiter_;

  mutable absl::Mutex mu_;
  // May hold stale entries (a key since moved earlier or released); ready_at_ is the truth.
  std::priority_queue<Waiting, std::vector<Waiting>, std::greater<>> heap_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::Time> ready_at_ ABSL_GUARDED_BY(mu_);
  uint64_t seq_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // runs WaitLoop(); started last
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_RATE_LIMITING_QUEUE_H_
