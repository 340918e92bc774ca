// Listener: one handler registration of a SharedInformer: an unbounded FIFO of notifications
// and the thread that delivers them to the handler in order (client-go's processorListener).
// The informer pushes under its own lock, so every listener sees the cache's changes in the
// same order; Push never blocks, so a slow handler never holds up the informer or other
// handlers (its backlog grows instead).
//
// Thread-safety: all methods are thread-safe, but Stop() and the destructor must not be
// called from the handler itself (they join its thread). Notifications still queued at Stop()
// are dropped.
#ifndef FLYOVER_KUBE_CACHE_LISTENER_H_
#define FLYOVER_KUBE_CACHE_LISTENER_H_

#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/event_handler.h"

namespace flyover::kube {

struct Notification {
  enum class Kind { kAdd, kUpdate, kDelete, kSynced };
  Kind kind = Kind::kAdd;
  ObjectPtr old_object;  // kUpdate only
  ObjectPtr object;      // not for kSynced
  // kAdd: is_initial_list; kDelete: final_state_unknown.
  bool flag = false;
};

class Listener {
 public:
  explicit Listener(std::shared_ptr<ResourceEventHandler> handler);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  void Push(Notification notification) ABSL_LOCKS_EXCLUDED(mu_);

  // Whether the kSynced marker (pushed after the initial adds) has been reached.
  [[nodiscard]] bool HasSynced() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until nothing is queued and the handler is not running.
  [[nodiscard]] bool WaitUntilIdle(absl::Duration timeout) const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run() ABSL_LOCKS_EXCLUDED(mu_);
  void Deliver(const Notification& n);

  const std::shared_ptr<ResourceEventHandler> handler_;
  mutable absl::Mutex mu_;
  std::deque<Notification> pending_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool synced_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_LISTENER_H_
