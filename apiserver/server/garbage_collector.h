// GarbageCollector: the background controller that finishes what deletions start, in the
// spirit of kube-controller-manager's garbage collector and namespace controller.
//
// Each pass reads every object of every served resource and:
//   - deletes (background propagation) any object all of whose owners (ownerReferences,
//     matched by uid and checked by a fresh read before acting) are gone, and drops
//     references to owners that are gone when others remain;
//   - for owners being deleted with the "orphan" finalizer: removes the owner from its
//     dependents' ownerReferences, then the finalizer;
//   - for owners being deleted with "foregroundDeletion": deletes the dependents and removes
//     the finalizer once none is left;
//   - for terminating namespaces: deletes everything in them, then removes the namespace's
//     "kubernetes" finalizer (which removes the namespace);
//   - for CRDs being deleted: deletes their custom resources, then the CRD's cleanup finalizer.
// A pass runs soon after Poke() (ObjectService calls it on every deletion, so cascades
// proceed level by level within milliseconds), and every `resync_interval` regardless, which
// also catches what a crash interrupted.
//
// Thread-safety: all methods are thread-safe. One thread runs the passes.
#ifndef FLYOVER_APISERVER_SERVER_GARBAGE_COLLECTOR_H_
#define FLYOVER_APISERVER_SERVER_GARBAGE_COLLECTOR_H_

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "apiserver/server/object_service.h"

namespace flyover::apiserver {

struct GarbageCollectorOptions {
  absl::Duration resync_interval = absl::Seconds(30);
  // After a poke, wait this long so that a burst of deletions is handled in one pass.
  absl::Duration debounce = absl::Milliseconds(50);
};

class GarbageCollector {
 public:
  // `objects` must outlive the collector.
  explicit GarbageCollector(ObjectService* objects, GarbageCollectorOptions options = {});
  ~GarbageCollector();  // Stop()s
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  // Starts the thread, which runs a first pass at once.
  void Start() ABSL_LOCKS_EXCLUDED(mu_);
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);
  // Asks for a pass soon.
  void Poke() ABSL_LOCKS_EXCLUDED(mu_);

  // Runs one pass on the calling thread (the thread does the same). Returns the first error
  // met; the pass continues past errors.
  absl::Status RunOnce();

  // Passes completed since construction (for tests and metrics).
  int64_t passes() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Loop() ABSL_LOCKS_EXCLUDED(mu_);

  ObjectService* const objects_;
  const GarbageCollectorOptions options_;
  absl::Mutex pass_mu_;  // one pass at a time
  mutable absl::Mutex mu_;
  bool poked_ ABSL_GUARDED_BY(mu_) = true;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t passes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_GARBAGE_COLLECTOR_H_
