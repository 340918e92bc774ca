// WorkQueue: the deduplicating FIFO of keys that controllers feed from informer events and
// drain with worker threads, with client-go's workqueue semantics:
//
//   - a key is queued at most once: adding a key that waits already does nothing (dirty set);
//   - a key is handed to at most one worker at a time: a key added while a worker holds it
//     (processing set) is queued again only when that worker calls Done(key);
//   - keys come out in the order they were first added.
//
//   WorkQueue queue({.name = "ptj"});
//   // informer handler:  queue.Add(key);
//   // each worker:       while (std::optional<std::string> key = queue.Get()) {
//   //                      Reconcile(*key); queue.Done(*key);
//   //                    }
//
// Shutting down: after ShutDown() the queue ignores new keys, Get() still hands out the keys
// already queued and returns nullopt once none are left, so workers finish what was queued
// and exit. ShutDownWithDrain() also waits (up to options.drain_timeout on the clock) until
// every queued key has been handed out and Done.
//
// Delays and rate limiting are layered on top in RateLimitingQueue (rate_limiting_queue.h).
//
// Thread-safety: all methods are thread-safe. The clock and registry are not owned; the
// clock must outlive the queue.
#ifndef FLYOVER_KUBE_CACHE_WORK_QUEUE_H_
#define FLYOVER_KUBE_CACHE_WORK_QUEUE_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/cache/workqueue_metrics.h"
#include "prometheus/registry.h"

namespace flyover::kube {

struct WorkQueueOptions {
  // The queue's name: the `name` label of its metrics and the logger name.
  std::string name = "default";
  // Where the metrics go (workqueue_metrics.h); null for none.
  std::shared_ptr<prometheus::Registry> registry;
  // Measures queue and work durations and times delays and drain waits. Not owned.
  Clock* clock = RealClock();
  // How long ShutDownWithDrain() waits for the queue to drain.
  absl::Duration drain_timeout = absl::Seconds(60);
};

class WorkQueue {
 public:
  explicit WorkQueue(WorkQueueOptions options = {});
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `key` unless it is queued already or the queue is shutting down.
  void Add(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  // Blocks until a key is available and hands it to the caller, who must call Done(key) when
  // finished with it. Returns nullopt once the queue is shut down and empty: the way a
  // worker's loop ends (ShutDown() is its timeout).
  [[nodiscard]] std::optional<std::string> Get() ABSL_LOCKS_EXCLUDED(mu_);

  // Marks `key` as no longer being processed; if it was added meanwhile it is queued again.
  // Keys not handed out by Get() are ignored.
  void Done(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_);

  // Keys queued and not yet handed out.
  [[nodiscard]] size_t Len() const ABSL_LOCKS_EXCLUDED(mu_);

  // Stops accepting keys and wakes every Get() once the queue is empty. Idempotent.
  void ShutDown() ABSL_LOCKS_EXCLUDED(mu_);

  // ShutDown(), then waits until every queued key has been handed out and marked Done, or
  // options.drain_timeout has passed on the clock. Returns whether the queue drained. A
  // concurrent ShutDown() ends the wait early (returning false unless drained).
  bool ShutDownWithDrain() ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] bool ShuttingDown() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class RateLimitingQueue;  // counts retries in metrics_

  bool HasWorkOrShutDown() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || shutting_down_;
  }
  bool DrainedOrAbandoned() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (queue_.empty() && processing_.empty()) || !draining_;
  }

  const WorkQueueOptions options_;
  WorkQueueMetrics metrics_;

  mutable absl::Mutex mu_;
  std::deque<std::string> queue_ ABSL_GUARDED_BY(mu_);
  // Keys that need processing, with the time of the add that made them so.
  absl::flat_hash_map<std::string, absl::Time> dirty_ ABSL_GUARDED_BY(mu_);
  // Keys a worker holds, with the time it got them.
  absl::flat_hash_map<std::string, absl::Time> processing_ ABSL_GUARDED_BY(mu_);
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_WORK_QUEUE_H_
