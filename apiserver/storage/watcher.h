// Watcher: one watch on the storage, delivering the changes to one resource (optionally one
// namespace, optionally filtered by a predicate) in revision order, from a given revision on.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<Watcher> watcher,
//                    store.Watch({.resource = "pods", .namespace_ = "default",
//                                 .from_revision = last_seen, .bookmarks = true}));
//   while (true) {
//     ASSIGN_OR_RETURN(std::vector<WatchEvent> events,
//                      watcher->NextBatch(100, absl::Seconds(1)));   // empty: timed out
//     for (const WatchEvent& event : events) Send(event);
//   }
//
// Watchers cost no thread: the storage's one dispatcher thread appends each committed change to
// the bounded queue of every interested watcher. A watcher that starts from an older revision
// first reads its history from the log, a page at a time, on the thread calling NextBatch(),
// then joins the live stream without gap or duplicate.
//
// A watcher ends, and NextBatch() returns its error from then on, when:
//   - its queue (WatchOptions::queue_capacity events) overflows because the consumer fell
//     behind: ResourceExhausted. Its queued events are dropped; the others are not delayed.
//     The client watches again from the last revision it processed (or re-lists);
//   - the history it still had to read was compacted: ExpiredError (errors.h; 410 Gone);
//   - the storage closes: Unavailable;
//   - Stop() was called: Cancelled.
//
// Bookmarks (WatchOptions::bookmarks): every bookmark interval, a watcher that has caught up gets
// a kBookmark event whose revision is the latest revision through which it has been sent every
// event, so that a client can resume from there even when nothing it watches changes. At most
// one bookmark waits in a queue at a time, and a bookmark never overflows a queue.
//
// Ownership: the caller owns the Watcher; destroying it stops it. A Watcher may outlive the
// Store that made it (it then reports Unavailable).
// Thread-safety: NextBatch()/Next() from one thread at a time; Stop() from any thread.
#ifndef FLYOVER_APISERVER_STORAGE_WATCHER_H_
#define FLYOVER_APISERVER_STORAGE_WATCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "apiserver/storage/watch_event.h"

namespace flyover::apiserver::storage {

class WatchHub;
struct WatcherState;

struct WatchOptions {
  std::string resource;    // required: "pods", "posttrainingjobs.training.flyover.dev"
  std::string namespace_;  // "" = every namespace (and cluster-scoped resources)
  // Deliver the changes after this revision: from the retained history first if it is older
  // than the current revision. ExpiredError if history before it has been compacted;
  // InvalidArgument if it is newer than the current revision. nullopt = changes from now on.
  // (Kubernetes' resourceVersion "0" and unset semantics are the caller's to map.)
  std::optional<int64_t> from_revision;
  WatchPredicate predicate;  // null = every object in scope
  bool bookmarks = false;
  size_t queue_capacity = 1024;  // at least 1
};

class Watcher {
 public:
  Watcher(std::shared_ptr<WatchHub> hub, std::shared_ptr<WatcherState> state);
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Waits up to `timeout` for events and returns up to `max_events` of them (at least 1 is
  // asked for), oldest first; an empty vector when the timeout passed first. Returns the
  // watcher's error once it has ended (see above). Reading history happens here, so a call can
  // take longer than `timeout` by one page read.
  [[nodiscard]] absl::StatusOr<std::vector<WatchEvent>> NextBatch(size_t max_events,
                                                                  absl::Duration timeout);
  // NextBatch(1, timeout): the next event, or nullopt on timeout.
  [[nodiscard]] absl::StatusOr<std::optional<WatchEvent>> Next(absl::Duration timeout);

  // Ends the watch (Cancelled). Idempotent.
  void Stop();

 private:
  const std::shared_ptr<WatchHub> hub_;
  const std::shared_ptr<WatcherState> state_;
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_WATCHER_H_
