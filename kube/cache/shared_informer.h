// SharedInformer: one reflector and one indexed store for a resource, shared by any number
// of event handlers (client-go's sharedIndexInformer).
//
//   SharedInformer pods(std::move(lister_watcher), {.resource = "pods", .clock = clock,
//                                                    .registry = registry});
//   HandlerRegistration reg = pods.AddEventHandler(std::make_shared<FuncEventHandler>(
//       FuncEventHandler::Funcs{.on_add = [&](const ObjectPtr& pod, bool) { queue.Add(...); }}));
//   pods.Start();
//   if (!pods.WaitForCacheSync(absl::Seconds(30))) { ... }
//   ObjectPtr pod = pods.store().Get("research/worker-0");
//
// The store always converges to the server's state: the reflector (reflector.h) lists and
// watches, and this class applies each list and event to the store and, under the same lock,
// queues the matching notification for every handler, so each handler sees exactly the
// store's transitions in order (see event_handler.h for the guarantees). A relist replaces
// the store and notifies only the differences: adds, updates for changed resourceVersions,
// deletes with final_state_unknown for vanished objects; an object whose uid changed under
// the same name is reported as a delete and an add. A handler registered late first gets an
// add (is_initial_list) for every cached object. Handlers with a resync period get
// OnUpdate(x, x) for every cached object each period (on the clock).
//
// The store always has the namespace index (kNamespaceIndex); more come from
// options.indexers or AddIndexers().
//
// Lifecycle: Start() once; Stop() (or the destructor) ends the reflector, the resync timer and
// every handler thread, dropping undelivered notifications. An informer cannot be restarted.
//
// Thread-safety: all methods are thread-safe, except that Stop(), the destructor and
// RemoveEventHandler() must not be called from a handler. The clock and registry are not
// owned; the clock must outlive the informer.
#ifndef FLYOVER_KUBE_CACHE_SHARED_INFORMER_H_
#define FLYOVER_KUBE_CACHE_SHARED_INFORMER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/cache/event_handler.h"
#include "kube/cache/informer_metrics.h"
#include "kube/cache/listener.h"
#include "kube/cache/lister_watcher.h"
#include "kube/cache/reflector.h"
#include "kube/cache/stop_signal.h"
#include "kube/cache/store.h"
#include "prometheus/registry.h"

namespace flyover::kube {

struct SharedInformerOptions {
  // Names the informer in logs and the `resource` label of its metrics, e.g. "pods".
  std::string resource = "objects";
  // Times backoff, watch durations and resyncs. Not owned.
  Clock* clock = RealClock();
  // Where informer_metrics.h's metrics go; null for none.
  std::shared_ptr<prometheus::Registry> registry;
  ReflectorOptions reflector;
  // Indexes besides the namespace index.
  Indexers indexers;
  // Applied to every object before it is cached (e.g. StripManagedFields).
  TransformFunc transform;
};

// A handler's registration; keeps the handler registered until RemoveEventHandler().
class HandlerRegistration {
 public:
  HandlerRegistration() = default;
  // Whether the handler has been told about every object of the initial state.
  [[nodiscard]] bool HasSynced() const { return listener_ != nullptr && listener_->HasSynced(); }

 private:
  friend class SharedInformer;
  explicit HandlerRegistration(std::shared_ptr<Listener> listener)
      : listener_(std::move(listener)) {}
  std::shared_ptr<Listener> listener_;
};

class SharedInformer final : private ReflectorSink {
 public:
  SharedInformer(std::shared_ptr<ListerWatcher> lister_watcher, SharedInformerOptions options);
  ~SharedInformer() override;
  SharedInformer(const SharedInformer&) = delete;
  SharedInformer& operator=(const SharedInformer&) = delete;

  // Registers `handler`; with a positive `resync_period` it also gets OnUpdate(x, x) for every
  // cached object each period.
  HandlerRegistration AddEventHandler(std::shared_ptr<ResourceEventHandler> handler,
                                      absl::Duration resync_period = absl::ZeroDuration())
      ABSL_LOCKS_EXCLUDED(apply_mu_, resync_mu_);
  // Unregisters and stops the handler; notifications not yet delivered are dropped.
  void RemoveEventHandler(const HandlerRegistration& registration)
      ABSL_LOCKS_EXCLUDED(apply_mu_, resync_mu_);

  // As Store::AddIndexers.
  [[nodiscard]] absl::Status AddIndexers(const Indexers& indexers) {
    return store_.AddIndexers(indexers);
  }
  // The cache, for reads (listers). Valid for the informer's lifetime.
  [[nodiscard]] const Store& store() const { return store_; }

  // Starts listing and watching, the resync timer and the handler threads. Idempotent.
  void Start() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, apply_mu_, resync_mu_);
  // Stops everything and joins the threads. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(lifecycle_mu_, apply_mu_, resync_mu_);

  // Whether the first list has been stored.
  [[nodiscard]] bool HasSynced() const ABSL_LOCKS_EXCLUDED(apply_mu_);
  // Waits up to `timeout` of real time for HasSynced().
  [[nodiscard]] bool WaitForCacheSync(absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(apply_mu_);
  // The resourceVersion the store is up to date with.
  [[nodiscard]] std::string LastSyncResourceVersion() const {
    return reflector_.LastSyncResourceVersion();
  }
  // Waits up to `timeout` of real time until every handler has been given every queued
  // notification and returned. For tests and benchmarks.
  [[nodiscard]] bool WaitForHandlersIdle(absl::Duration timeout) const
      ABSL_LOCKS_EXCLUDED(apply_mu_);

 private:
  struct Registered {
    std::shared_ptr<Listener> listener;
    absl::Duration resync_period;
    absl::Time next_resync;
  };

  // ReflectorSink, called on the reflector thread.
  void Replace(std::vector<ObjectPtr> objects, const std::string& resource_version) override
      ABSL_LOCKS_EXCLUDED(apply_mu_);
  void Apply(WatchEventType type, ObjectPtr object) override ABSL_LOCKS_EXCLUDED(apply_mu_);

  void Distribute(const Notification& n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  void NotifyPut(const ObjectPtr& old_object, const ObjectPtr& object, bool initial)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(apply_mu_);
  void ResyncLoop() ABSL_LOCKS_EXCLUDED(apply_mu_, resync_mu_);
  absl::Time NextResync() const ABSL_LOCKS_EXCLUDED(apply_mu_);
  void ResyncDue() ABSL_LOCKS_EXCLUDED(apply_mu_);
  void WakeResync() ABSL_LOCKS_EXCLUDED(resync_mu_);

  const SharedInformerOptions options_;
  const std::shared_ptr<ListerWatcher> lister_watcher_;
  InformerMetrics metrics_;
  Store store_;
  Reflector reflector_;
  StopSignal stop_;

  // Serialises Start() and Stop(); guards the threads.
  absl::Mutex lifecycle_mu_;
  std::thread reflector_thread_ ABSL_GUARDED_BY(lifecycle_mu_);
  std::thread resync_thread_ ABSL_GUARDED_BY(lifecycle_mu_);

  // Serialises every change to the store with the notifications it causes. Never held
  // together with resync_mu_.
  mutable absl::Mutex apply_mu_;
  std::vector<Registered> handlers_ ABSL_GUARDED_BY(apply_mu_);
  bool synced_ ABSL_GUARDED_BY(apply_mu_) = false;
  bool started_ ABSL_GUARDED_BY(apply_mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(apply_mu_) = false;

  // Wakes the resync thread when handlers change or the informer stops.
  absl::Mutex resync_mu_;
  uint64_t resync_generation_ ABSL_GUARDED_BY(resync_mu_) = 0;
  bool resync_stopping_ ABSL_GUARDED_BY(resync_mu_) = false;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_SHARED_INFORMER_H_
