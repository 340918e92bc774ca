// RestListerWatcher: the ListerWatcher (lister_watcher.h) of one resource served by a
// Kubernetes API server, over the REST client (kube/client/rest_client.h). It is what joins
// an informer to a real cluster, to the embedded API server or to the in-memory fake API
// server of kube/testing/.
//
//   auto pods = std::make_shared<RestListerWatcher>(client, PodsResource(),
//                                                   RestListerWatcherOptions{.namespace_ = "ml"});
//   SharedInformer informer(pods, {.resource = "pods"});
//
// List pages through the server `page_size` items at a time (limit / continue) and hands each
// page's items on before fetching the next, so a large list never exists as JSON all at once.
// The first page carries the requested resourceVersion; later pages are pinned by their
// continue token. ListOptions::timeout bounds the whole list: it is checked between pages on
// the client's clock (each page is also bounded by the client's own call timeout).
//
// Watch asks for bookmarks when WatchOptions::allow_bookmarks says so and passes
// WatchOptions::timeout as timeoutSeconds (the reflector already draws it from 5-10 minutes,
// as client-go does). A non-positive timeout makes this class draw one itself from
// [min_watch_timeout, 2 * min_watch_timeout). A signalled StopSignal cancels the stream at
// once and the call returns OK.
//
// Errors are translated as lister_watcher.h requires:
//   410 Gone or reason Expired/Gone (the call's answer, an ERROR event inside the stream,
//   or an expired continue token)                 -> ResourceExpiredError()
//   connection refused / reset, 429, 5xx          -> Unavailable
//   the client's timeout                          -> DeadlineExceeded
//   a stream cut without the caller stopping it   -> Unavailable
//   an error returned by the sink                 -> that error, unchanged
//   anything else (403, 400 bad selector, ...)    -> the REST client's status (api_status.h)
// An expired continue token ends the list with ResourceExpiredError rather than starting
// over, because items already handed to the sink cannot be taken back; the reflector then
// relists from the newest state. The server's Status object stays attached as the
// kApiStatusPayloadUrl payload (api_status.h).
//
// Ownership: borrows the RestClient, which must outlive this object. Thread-safety: all
// methods may be called concurrently (by several reflectors sharing one instance).
#ifndef FLYOVER_KUBE_CACHE_REST_LISTER_WATCHER_H_
#define FLYOVER_KUBE_CACHE_REST_LISTER_WATCHER_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/lister_watcher.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/resource.h"
#include "kube/client/rest_client.h"

namespace flyover::kube {

struct RestListerWatcherOptions {
  // The namespace to list and watch; "" means all namespaces. Ignored for cluster-scoped
  // resources.
  std::string namespace_;
  std::string label_selector;  // "app=worker,tier!=db"
  std::string field_selector;  // "spec.nodeName=node-1"
  // Items per list page (limit); 0 lists everything in one request. client-go pages by 500.
  int64_t page_size = 500;
  // For watches asked for without a positive timeout: timeoutSeconds is drawn uniformly
  // from [min_watch_timeout, 2 * min_watch_timeout), in whole seconds.
  absl::Duration min_watch_timeout = absl::Minutes(5);
  // Seeds that draw; 0 picks a random seed.
  uint64_t seed = 0;
};

class RestListerWatcher final : public ListerWatcher {
 public:
  RestListerWatcher(RestClient* client, ResourceDescriptor resource,
                    RestListerWatcherOptions options = {});
  RestListerWatcher(const RestListerWatcher&) = delete;
  RestListerWatcher& operator=(const RestListerWatcher&) = delete;

  [[nodiscard]] absl::StatusOr<ListResult> List(const ListOptions& options) override;
  [[nodiscard]] absl::StatusOr<std::string> ListInto(const ListOptions& options,
                                                     ListItemSink sink) override;
  [[nodiscard]] absl::Status Watch(const WatchOptions& options, WatchEventSink sink,
                                   StopSignal* stop) override;

  // The timeoutSeconds a watch asked for with `requested` sends: `requested` when positive,
  // otherwise a fresh draw from [min_watch_timeout, 2 * min_watch_timeout).
  [[nodiscard]] absl::Duration WatchTimeout(absl::Duration requested) ABSL_LOCKS_EXCLUDED(mu_);

  const ResourceDescriptor& resource() const { return resource_; }

 private:
  RestClient* const client_;
  const ResourceDescriptor resource_;
  const RestListerWatcherOptions options_;

  absl::Mutex mu_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

// A REST client status translated to the ListerWatcher contract (see the file comment):
// 410 / Expired / Gone become ResourceExpiredError (keeping the server's Status payload),
// Cancelled becomes Unavailable (a stream cut short), everything else is returned as is.
[[nodiscard]] absl::Status ToListerWatcherStatus(const absl::Status& status);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_REST_LISTER_WATCHER_H_
