// Reflector: keeps a ReflectorSink (the informer's store) equal to the server's state of one
// resource by listing and then watching, as client-go's Reflector does:
//
//   1. List (resourceVersion "0" the first time, then the last one seen, or "" after the
//      server said that one expired) and hand the complete state to the sink (Replace).
//   2. Watch from the list's resourceVersion with a random 5-10 minute timeout and
//      bookmarks, handing each change to the sink (Apply) and remembering its resourceVersion.
//   3. When the server closes the watch, watch again from the last resourceVersion seen; after
//      an error, wait a backoff (0.8 s doubling to 30 s, jittered, reset after 2 quiet minutes)
//      and watch again from there; when the server answers 410 Gone / Expired (as the call's
//      status or an ERROR event), wait the backoff and go back to 1.
//
// Exactly-once, in-order delivery: every watch resumes at the last resourceVersion the sink
// received, so nothing is missed or repeated; events at or below that resourceVersion (a
// replaying or misbehaving source) are dropped and counted as stale. A watch that ends within
// options.min_watch_duration without any event counts as a failure, so a server that closes
// watches at once is not hammered. Objects without a name are logged and skipped (they cannot
// be cached); an ERROR event or an event that is not an object ends the watch like an error.
//
// Thread-safety: Run() is called once, on a thread of the owner's choosing; it calls the sink
// on that thread only. LastSyncResourceVersion() may be called from any thread. The lister-
// watcher, sink, clock and metrics are not owned and must outlive Run().
#ifndef FLYOVER_KUBE_CACHE_REFLECTOR_H_
#define FLYOVER_KUBE_CACHE_REFLECTOR_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "kube/cache/backoff.h"
#include "kube/cache/informer_metrics.h"
#include "kube/cache/lister_watcher.h"
#include "kube/cache/object.h"
#include "kube/cache/stop_signal.h"

namespace flyover::kube {

struct ReflectorOptions {
  // Each watch asks the server to end it after a random time in [min, 2 * min).
  absl::Duration min_watch_timeout = absl::Minutes(5);
  // Timeout of each list call.
  absl::Duration list_timeout = absl::Seconds(60);
  // Waits between failed attempts.
  BackoffOptions backoff;
  // A watch that ends sooner than this without delivering an event counts as a failure.
  absl::Duration min_watch_duration = absl::Seconds(1);
  bool allow_bookmarks = true;
  // Seeds backoff jitter and watch timeouts; 0 picks a random seed.
  uint64_t seed = 0;
};

// Where a reflector puts what it learns. Called on the reflector's thread only.
class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // `objects` is the complete state at `resource_version`.
  virtual void Replace(std::vector<ObjectPtr> objects, const std::string& resource_version) = 0;
  // One change: kAdded / kModified with the new state, kDeleted with the final state.
  virtual void Apply(WatchEventType type, ObjectPtr object) = 0;
};

class Reflector {
 public:
  // `metrics` may be null.
  Reflector(std::string resource, ListerWatcher* lister_watcher, ReflectorSink* sink,
            ReflectorOptions options, Clock* clock, TransformFunc transform,
            InformerMetrics* metrics);
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  // Lists and watches until `stop` is signalled.
  void Run(StopSignal* stop);

  // The resourceVersion the sink is up to date with ("" before the first list).
  [[nodiscard]] std::string LastSyncResourceVersion() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  [[nodiscard]] absl::Status ListAndReplace();
  // How the watch ended; nullopt when `stop` ended it.
  std::optional<WatchEndReason> WatchOnce(StopSignal* stop);
  [[nodiscard]] absl::Status HandleEvent(WatchEvent event);
  [[nodiscard]] absl::Status HandleObjectEvent(WatchEventType type, nlohmann::json object);
  // Whether `rv` is at or below what the sink has (a replay).
  bool IsStale(absl::string_view rv) const;
  void Advance(const std::string& rv) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Duration RandomWatchTimeout();

  const std::string resource_;
  ListerWatcher* const lister_watcher_;
  ReflectorSink* const sink_;
  const ReflectorOptions options_;
  Clock* const clock_;
  const TransformFunc transform_;
  InformerMetrics* const metrics_;
  const log::Logger logger_;
  std::mt19937_64 random_;
  Backoff backoff_;

  // Reflector-thread state.
  bool listed_once_ = false;
  bool rv_unavailable_ = false;        // the last RV expired: list with "" next
  std::optional<uint64_t> watermark_;  // numeric form of last_sync_rv_, when it has one

  mutable absl::Mutex mu_;
  std::string last_sync_rv_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_REFLECTOR_H_
