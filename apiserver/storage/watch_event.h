// WatchEvent: what a storage watcher receives, and the rule that turns a committed Change into
// one for a watcher with a predicate (the HTTP layer's label and field selectors).
//
// Events carry the object's bytes as stored and the revision of the change; the caller sets
// metadata.resourceVersion from `revision` when it serves the object (store.h explains why the
// storage does not write it into the bytes).
//
// With a predicate, a watcher sees an object's changes as kube-apiserver's watch cache shows
// them: an update that makes the object match is ADDED, one that makes it stop matching is
// DELETED carrying the object as it was before the update, and updates of an object that
// matches neither before nor after are not shown.
//
// Thread-safety: WatchEvent is an immutable value sharing its Change; copy freely.
#ifndef FLYOVER_APISERVER_STORAGE_WATCH_EVENT_H_
#define FLYOVER_APISERVER_STORAGE_WATCH_EVENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "absl/strings/string_view.h"
#include "apiserver/storage/revision_log.h"

namespace flyover::apiserver::storage {

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK": the Kubernetes watch event type names.
absl::string_view WatchEventTypeName(WatchEventType type);

// Whether a watcher wants an object, given its bytes. Runs on the storage's dispatcher thread
// (and on the thread reading a watcher's history) with storage locks held: it must be
// thread-safe, quick, and must not call into the storage.
using WatchPredicate = std::function<bool(absl::string_view object)>;

struct WatchEvent {
  WatchEventType type = WatchEventType::kBookmark;
  // The change's revision; for a bookmark, the revision through which the watcher has been
  // sent every event.
  int64_t revision = 0;
  // The committed change; null for bookmarks.
  std::shared_ptr<const Change> change;
  // Whether object() is the value before the change (a DELETED made by a predicate).
  bool previous_object = false;

  // The object's bytes: empty for bookmarks.
  absl::string_view object() const;
};

// The event `change` means for a watcher with `predicate` (null = every object), or nullopt if
// the watcher should not see it.
std::optional<WatchEvent> ToWatchEvent(const std::shared_ptr<const Change>& change,
                                       const WatchPredicate& predicate);

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_WATCH_EVENT_H_
