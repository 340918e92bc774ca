// WatchHub: the storage's watch fan-out. The committer Publish()es each commit's changes; one
// dispatcher thread appends them to the queue of every live watcher of the changed resource
// (filtered by namespace and predicate) and, every bookmark interval, offers bookmarks. Watchers
// that start behind the live stream read their history from the RevisionLog on their own
// consumer's thread (ReplayStep) and register for live changes once they have caught up with
// what the dispatcher has sent; a per-watcher position (the last revision accounted for)
// drops the overlap, so no change is delivered twice or skipped.
//
// This is an internal part of Store (store.h); Watcher (watcher.h) is its public face.
//
// Locks: mu_ guards the registry, the dispatched revision and every watcher's position; a
// watcher's own mutex guards its queue. mu_ is taken before a watcher's mutex, never after.
// The dispatcher fans out in rounds (everything published since the last round) holding mu_,
// so predicates run under it; each watcher's events of a round are appended at once, which
// wakes its consumer once per round rather than once per change.
//
// Thread-safety: all public methods are thread-safe. Publish() never waits for the fan-out.
#ifndef FLYOVER_APISERVER_STORAGE_WATCH_HUB_H_
#define FLYOVER_APISERVER_STORAGE_WATCH_HUB_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "apiserver/storage/revision_log.h"
#include "apiserver/storage/storage_metrics.h"
#include "apiserver/storage/watch_event.h"
#include "apiserver/storage/watcher.h"
#include "common/clock.h"

namespace flyover::apiserver::storage {

struct WatchHubOptions {
  // How often caught-up watchers that asked for bookmarks get one; zero disables them.
  absl::Duration bookmark_interval = absl::Minutes(1);
  // Changes read from the log per history page (also bounded by each watcher's capacity).
  int64_t replay_page = 256;
};

// One watcher's state, shared by its Watcher and the hub.
struct WatcherState {
  uint64_t id = 0;
  std::string resource;
  std::string begin;  // the watched key range [begin, end)
  std::string end;
  WatchPredicate predicate;
  bool bookmarks = false;
  size_t capacity = 0;

  int64_t position = 0;     // guarded by the hub's mu_: changes up to here are accounted for
  bool registered = false;  // guarded by the hub's mu_: receives live changes

  absl::Mutex mu;
  std::deque<WatchEvent> queue ABSL_GUARDED_BY(mu);
  bool replaying ABSL_GUARDED_BY(mu) = false;
  absl::Status end_status ABSL_GUARDED_BY(mu);  // not OK once the watcher has ended
};

class WatchHub : public std::enable_shared_from_this<WatchHub> {
 public:
  WatchHub(std::shared_ptr<RevisionLog> log, Clock* clock, std::shared_ptr<StorageMetrics> metrics,
           WatchHubOptions options);
  ~WatchHub();  // Stop()s
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Starts the dispatcher thread. The changes committed before now count as dispatched.
  void Start() ABSL_LOCKS_EXCLUDED(mu_, pending_mu_);
  // Joins the dispatcher and ends every watcher with Unavailable. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_, pending_mu_);

  // Queues one commit's changes (in revision order) for the dispatcher.
  void Publish(std::vector<std::shared_ptr<const Change>> changes) ABSL_LOCKS_EXCLUDED(pending_mu_);

  // See WatchOptions. InvalidArgument for a bad scope, capacity or revision; ExpiredError;
  // Unavailable once stopped.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<Watcher>> Watch(WatchOptions options)
      ABSL_LOCKS_EXCLUDED(mu_);

  // The newest revision the dispatcher has fanned out.
  int64_t dispatched_revision() ABSL_LOCKS_EXCLUDED(mu_);
  // Watchers not yet ended.
  size_t watcher_count() ABSL_LOCKS_EXCLUDED(mu_);
  Clock* clock() const { return clock_; }

  // For Watcher: reads the next page of `state`'s history and registers it for live changes
  // once caught up; on error ends the watcher with that error.
  void ReplayStep(WatcherState& state) ABSL_LOCKS_EXCLUDED(mu_);
  // For Watcher: ends `state` with `status` (no-op if it has ended).
  void End(WatcherState& state, absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void RunDispatcher() ABSL_LOCKS_EXCLUDED(mu_, pending_mu_);
  using Batches = std::deque<std::vector<std::shared_ptr<const Change>>>;
  using Outbox = absl::flat_hash_map<WatcherState*, std::vector<WatchEvent>>;

  // Fans out every change of `batches` (in revision order).
  void Dispatch(const Batches& batches) ABSL_LOCKS_EXCLUDED(mu_);
  // Adds the event `change` means for `state`, if any, to its outbox entry.
  void Collect(WatcherState& state, const std::shared_ptr<const Change>& change, Outbox& outbox)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Appends `events` to the watcher's queue; false if they do not fit.
  static bool Deliver(WatcherState& state, std::vector<WatchEvent>& events);
  void SendBookmarks() ABSL_LOCKS_EXCLUDED(mu_);
  void EndLocked(WatcherState& state, absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Register(WatcherState& state) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::shared_ptr<RevisionLog> log_;
  Clock* const clock_;
  const std::shared_ptr<StorageMetrics> metrics_;
  const WatchHubOptions options_;

  absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t dispatched_ ABSL_GUARDED_BY(mu_) = 0;
  // Every watcher not yet ended, and the live ones by resource.
  absl::flat_hash_map<uint64_t, std::shared_ptr<WatcherState>> watchers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_map<uint64_t, WatcherState*>> live_
      ABSL_GUARDED_BY(mu_);

  absl::Mutex pending_mu_;
  bool stopping_ ABSL_GUARDED_BY(pending_mu_) = false;
  Batches pending_ ABSL_GUARDED_BY(pending_mu_);
  std::thread dispatcher_;
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_WATCH_HUB_H_
