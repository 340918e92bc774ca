// Watch requests (GET ...?watch=true, or the /watch/ prefix): a chunked stream of JSON
// events, one per line, as kube-apiserver writes them:
//   {"type":"ADDED","object":{...}}
//   {"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"42"},...}}
//   {"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired",...}}
//
// Where the stream starts (resourceVersion semantics):
//   unset or "0"     the current state first, as ADDED events (sendInitialEvents=false
//                    skips them), then every change after that snapshot;
//   "N"              every change after revision N. If N has been compacted the stream
//                    carries one ERROR event with a 410 Expired Status ("too old resource
//                    version") and ends; a revision not reached yet is waited for up to 3 s
//                    (then 504, as kube-apiserver answers "Too large resource version").
// sendInitialEvents=true with allowWatchBookmarks ends the initial events with a bookmark
// annotated "k8s.io/initial-events-end". Label and field selectors filter events (an
// object that stops matching is a DELETED). With an Accept asking for Table, every event's
// object is a one-row Table (column definitions on the first only). The stream ends after
// timeoutSeconds (default: a random 30-60 minutes, like kube-apiserver's
// --min-request-timeout), when the client goes away, or when the server stops.
//
// An idle stream writes a single newline every 15 s: JSON decoders skip whitespace between
// events, and the write is how a stream notices a client that left without closing.
//
// Thread-safety: ActiveWatches is thread-safe; each stream runs on its connection's thread.
#ifndef FLYOVER_APISERVER_SERVER_WATCH_HANDLER_H_
#define FLYOVER_APISERVER_SERVER_WATCH_HANDLER_H_

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/discovery/table.h"
#include "apiserver/server/http_types.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/request_options.h"
#include "apiserver/server/server_metrics.h"
#include "apiserver/storage/watcher.h"

namespace flyover::apiserver {

// The open watchers, so that shutdown can end every stream at once.
class ActiveWatches {
 public:
  // False (and the watcher is stopped) once StopAll() has run.
  bool Add(storage::Watcher* watcher) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(storage::Watcher* watcher) ABSL_LOCKS_EXCLUDED(mu_);
  void StopAll() ABSL_LOCKS_EXCLUDED(mu_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<storage::Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
};

struct WatchContext {
  ObjectService* objects = nullptr;
  ActiveWatches* watches = nullptr;
  ServerMetrics* metrics = nullptr;  // may be null
};

struct WatchRequest {
  const discovery::ResourceInfo* resource = nullptr;  // must outlive the response
  std::string namespace_;
  ListParams params;
  bool table = false;
  discovery::IncludeObject include_object = discovery::IncludeObject::kMetadata;
};

// Sets the watch up and returns the streaming response (or an error response).
// `keep_alive` is held by the stream for as long as it runs (the registry snapshot that
// owns `request.resource`).
HttpResponse ServeWatch(const WatchContext& context, WatchRequest request,
                        std::shared_ptr<const void> keep_alive);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_WATCH_HANDLER_H_
