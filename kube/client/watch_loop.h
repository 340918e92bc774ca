// RunResumingWatch: watch a resource for as long as the caller wants, the way client-go's
// reflector keeps its watch alive.
//
// Each watch asks the server for a random timeoutSeconds in [min_watch_timeout,
// 2 * min_watch_timeout) (5-10 min by default) so that many clients do not reconnect in
// lockstep, and requests bookmarks. Every event's resourceVersion (bookmarks included)
// becomes the resume point. When a watch ends:
//   - cleanly (the server's timeout): reconnect at once from the resume point, unless
//     it lasted under a second without events, which counts as an error;
//   - with a transport, decode or server error: reconnect from the resume point after
//     WatchBackoff::Next() (0.8 s doubling to 30 s, with jitter, reset after 2 healthy
//     minutes), counting flyover_rest_client_watch_restarts_total{reason="error"};
//   - with 410 Gone / Expired (an HTTP 410 or an ERROR event): return it, counting
//     flyover_rest_client_relists_total{reason="watch_expired"}. The caller must relist
//     and call again with the list's resourceVersion (IsGoneOrExpired(status)).
// It also returns when `stop` is requested (Cancelled; backoff sleeps are cut short), when
// the handler returns an error (that error), and on errors no retry can fix:
// InvalidArgument (a bad selector) and Unimplemented.
//
// Time: backoff sleeps and the short-watch check use the client's Clock; the random
// source is injectable, so a FakeClock test can drive the whole loop.
// Thread-safety: runs on the caller's thread; the handler is called there.
#ifndef FLYOVER_KUBE_CLIENT_WATCH_LOOP_H_
#define FLYOVER_KUBE_CLIENT_WATCH_LOOP_H_

#include <stop_token>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/client/watch_backoff.h"
#include "kube/client/resource.h"
#include "kube/client/rest_client.h"

namespace flyover::kube {

struct ResumingWatchOptions {
  std::string label_selector;
  std::string field_selector;
  bool allow_bookmarks = true;
  absl::Duration min_watch_timeout = absl::Minutes(5);
  WatchBackoffOptions backoff;
  // Uniform in [0, 1); nullptr means DefaultRandomSource().
  RandomSource random;
};

// Watches from `resource_version` until one of the endings above. If
// `last_resource_version` is not null it receives the resume point on return, so a caller
// that stopped can carry on from there.
[[nodiscard]] absl::Status RunResumingWatch(RestClient* client, const ResourceDescriptor& resource,
                                            absl::string_view ns, std::string resource_version,
                                            const ResumingWatchOptions& options,
                                            const WatchHandler& handler, std::stop_token stop,
                                            std::string* last_resource_version = nullptr);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_WATCH_LOOP_H_
