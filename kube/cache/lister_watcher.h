// ListerWatcher: the seam between the informer machinery and the source of objects of one
// resource (the REST client for a real or embedded API server; FakeListerWatcher in tests,
// kube/cache/testing/fake_lister_watcher.h).
//
// It mirrors the two API calls a reflector makes: list (a consistent snapshot plus the
// resourceVersion it was taken at) and watch (the ordered stream of changes after a
// resourceVersion). Implementations translate their transport's failures to these codes:
//   ResourceExpiredError()  410 Gone / reason Expired: the requested resourceVersion is too
//                           old; the reflector relists
//   Unavailable             the connection failed or the server is busy (5xx, 429); retry
//   DeadlineExceeded        the call's timeout expired; retry
//   others                  stop and say why; the reflector logs them and retries with backoff
//
// Thread-safety: implementations must allow List and Watch to be called from any thread, one
// call at a time per reflector; different reflectors may share an implementation.
#ifndef FLYOVER_KUBE_CACHE_LISTER_WATCHER_H_
#define FLYOVER_KUBE_CACHE_LISTER_WATCHER_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/cache/stop_signal.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

struct ListOptions {
  // "" asks for the newest state (a quorum read); "0" accepts any cached state; any other
  // value asks for a state at least that new (NotOlderThan).
  std::string resource_version;
  // The whole list, all pages included, must finish within this.
  absl::Duration timeout = absl::Seconds(60);
};

struct ListResult {
  std::vector<nlohmann::json> items;
  std::string resource_version;  // the list's metadata.resourceVersion
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark, kError };

// "ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR".
[[nodiscard]] absl::string_view WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;
  // The object; for kBookmark an object carrying only metadata.resourceVersion; for kError a
  // meta/v1 Status ({"kind": "Status", "code": 410, "reason": "Expired", ...}).
  nlohmann::json object;
};

struct WatchOptions {
  // Stream changes after this resourceVersion.
  std::string resource_version;
  // The server ends the watch after this (timeoutSeconds); the reflector picks 5-10 minutes.
  absl::Duration timeout = absl::Minutes(5);
  // Ask for BOOKMARK events (allowWatchBookmarks).
  bool allow_bookmarks = true;
};

// Receives events in server order; a non-OK result ends the watch with that status.
using WatchEventSink = absl::FunctionRef<absl::Status(WatchEvent event)>;
// Receives list items one at a time, in server order.
using ListItemSink = absl::FunctionRef<void(nlohmann::json item)>;

class ListerWatcher {
 public:
  virtual ~ListerWatcher() = default;

  // Lists every object, following pagination. Errors as in the file comment.
  [[nodiscard]] virtual absl::StatusOr<ListResult> List(const ListOptions& options) = 0;

  // Lists like List(), but hands each item to `sink` as soon as it is decoded and returns the
  // list's resourceVersion, so that a large list never exists as JSON all at once (10,000
  // pods are ~240 MiB as nlohmann DOMs). On error the items already handed over must be
  // discarded. The reflector lists through this; implementations that page through the server
  // (limit / continue) should override it to decode a page at a time. The default calls List().
  [[nodiscard]] virtual absl::StatusOr<std::string> ListInto(const ListOptions& options,
                                                             ListItemSink sink);

  // Streams events to `sink` until the server ends the watch (OK), `stop` is signalled (OK,
  // promptly), the sink returns an error (that error) or the watch fails (as in the file
  // comment). A 410 may arrive either as the call's status or as an ERROR event; the
  // reflector handles both.
  [[nodiscard]] virtual absl::Status Watch(const WatchOptions& options, WatchEventSink sink,
                                           StopSignal* stop) = 0;
};

// The status for "410 Gone" / reason "Expired": Aborted (retry higher up, i.e. relist) with a
// payload that marks it, so that IsResourceExpired() can tell it from a 409 Conflict.
[[nodiscard]] absl::Status ResourceExpiredError(absl::string_view message);
[[nodiscard]] bool IsResourceExpired(const absl::Status& status);

// The payload type URL ResourceExpiredError() sets; its value is the Kubernetes reason
// ("Expired" or "Gone"). Status producers elsewhere may set it to the same effect.
inline constexpr absl::string_view kKubeReasonPayloadUrl = "flyover.dev/kube/status-reason";

// The status a watch ERROR event's meta/v1 Status object stands for: ResourceExpiredError
// for code 410 or reason Expired/Gone; Unavailable for 429, 5xx and missing codes (the server
// is in trouble; reconnect); Internal for anything else.
[[nodiscard]] absl::Status StatusFromErrorEvent(const nlohmann::json& status_object);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_LISTER_WATCHER_H_
