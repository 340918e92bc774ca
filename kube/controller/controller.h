// Controller: N workers draining a rate-limited work queue of keys into a reconcile
// function, after controller-runtime's controller and client-go's workqueue pattern.
//
//   ASSIGN_OR_RETURN(auto controller, Controller::Create(
//       {.name = "posttrainingjob", .max_concurrent_reconciles = 4,
//        .registry = manager.registry()},
//       [&](const std::string& key) { return reconciler.Reconcile(key); }));
//   RETURN_IF_ERROR(controller->Watch(jobs_informer, EnqueueObject()));
//   RETURN_IF_ERROR(controller->Watch(pods_informer, EnqueueOwner({...})));
//   manager.Add(std::move(controller));   // a Runnable that needs leader election
//
// Reconcile is level-based: it gets only the key, reads the current state from the cache
// and makes the world match. Its outcome decides what happens to the key:
//   error, not terminal     AddRateLimited (per-key exponential backoff, overall bucket)
//   error, terminal         Forget: not retried until the object changes again
//   requeue_after > 0       Forget, then AddAfter(requeue_after)
//   requeue                 AddRateLimited
//   otherwise               Forget (the key's backoff starts over)
// An error is terminal when marked with TerminalError() or when its code is
// InvalidArgument or FailedPrecondition (STYLE.md: stop and say why). An exception thrown
// by the reconcile function is caught and counted as an Internal error.
//
// The work queue guarantees a key is never reconciled by two workers at once; keys added
// while it is being reconciled are reconciled once more afterwards. Keys are queued from
// the moment Watch() is called, and processed once Start() runs and every watched
// informer has synced; Start() returns DeadlineExceeded if they do not sync within
// `cache_sync_timeout` (real time). On stop, workers finish the reconciles in progress,
// skip the keys still queued, and Start() returns OK.
//
// Metrics: controller_metrics.h, labelled with the controller's name.
//
// Lifecycle: Start() at most once. Informers given to Watch() must outlive the controller.
// Thread-safety: all methods are thread-safe; the reconcile function runs on up to
// max_concurrent_reconciles threads at once (never twice at once for one key).
#ifndef FLYOVER_KUBE_CONTROLLER_CONTROLLER_H_
#define FLYOVER_KUBE_CONTROLLER_CONTROLLER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "kube/cache/rate_limiter.h"
#include "kube/cache/rate_limiting_queue.h"
#include "kube/cache/shared_informer.h"
#include "kube/controller/controller_metrics.h"
#include "kube/controller/handlers.h"
#include "kube/controller/runnable.h"
#include "prometheus/registry.h"

namespace flyover::kube {

// What a successful reconcile asks for next.
struct Result {
  bool requeue = false;                               // again, after the rate limit
  absl::Duration requeue_after = absl::ZeroDuration();  // again, after this long

  bool operator==(const Result&) const = default;
};

using ReconcileFunc = std::function<absl::StatusOr<Result>(const std::string& key)>;

// `status` marked as not worth retrying (controller-runtime's reconcile.TerminalError).
[[nodiscard]] absl::Status TerminalError(absl::Status status);
// Whether the controller will not retry `status`: marked, InvalidArgument or
// FailedPrecondition.
[[nodiscard]] bool IsTerminalError(const absl::Status& status);

struct ControllerOptions {
  // Names the controller in logs, metrics and its work queue. Required.
  std::string name;
  int max_concurrent_reconciles = 1;
  // Times queue delays and reconcile durations. Not owned.
  Clock* clock = RealClock();
  std::shared_ptr<prometheus::Registry> registry;  // null: no metrics
  // Null: DefaultControllerRateLimiter(clock) (5 ms .. 1000 s per key, 10 qps / 100 burst).
  std::unique_ptr<RateLimiter> rate_limiter;
  absl::Duration cache_sync_timeout = absl::Minutes(2);
};

class Controller final : public Runnable {
 public:
  // InvalidArgument for an empty name, no reconcile function, no clock or fewer than one
  // worker.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Controller>> Create(
      ControllerOptions options, ReconcileFunc reconcile);
  ~Controller() override;
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Enqueues the keys `map` gives for every add, update and delete `informer` reports;
  // Start() waits for the informer to sync. InvalidArgument for a null informer or mapper.
  [[nodiscard]] absl::Status Watch(SharedInformer* informer, KeyMapper map)
      ABSL_LOCKS_EXCLUDED(mu_);

  // Queues `key` directly (e.g. from a timer or an external event source).
  void Enqueue(absl::string_view key) { queue_.Add(key); }
  void EnqueueAfter(absl::string_view key, absl::Duration delay) { queue_.AddAfter(key, delay); }

  // Runnable: waits for the caches, runs the workers until `stop`, then joins them.
  // FailedPrecondition when called a second time.
  absl::Status Start(StopSignal* stop) override ABSL_LOCKS_EXCLUDED(mu_);
  std::string Name() const override { return options_.name; }
  bool NeedLeaderElection() const override { return true; }

  // The queue, for tests and introspection.
  [[nodiscard]] RateLimitingQueue& queue() { return queue_; }

 private:
  struct WatchedInformer {
    SharedInformer* informer;
    HandlerRegistration registration;
  };

  Controller(ControllerOptions options, std::unique_ptr<RateLimiter> limiter,
             ReconcileFunc reconcile);

  absl::Status WaitForCacheSync(StopSignal* stop) ABSL_LOCKS_EXCLUDED(mu_);
  bool CachesSynced() const ABSL_LOCKS_EXCLUDED(mu_);
  void Worker(StopSignal* stop);
  void ProcessKey(const std::string& key);
  absl::StatusOr<Result> CallReconcile(const std::string& key);
  void EnqueueAll(const std::vector<std::string>& keys);

  const ControllerOptions options_;
  const ReconcileFunc reconcile_;
  const log::Logger logger_;
  ControllerMetrics metrics_;
  RateLimitingQueue queue_;

  mutable absl::Mutex mu_;
  std::vector<WatchedInformer> watches_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_CONTROLLER_H_
