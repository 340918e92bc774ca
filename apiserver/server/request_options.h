// The query parameters (and DeleteOptions bodies) of resource requests, parsed and checked
// the way kube-apiserver reads them:
//   list/watch  labelSelector, fieldSelector, limit, continue, resourceVersion,
//               resourceVersionMatch (Exact, NotOlderThan), watch, allowWatchBookmarks,
//               timeoutSeconds, sendInitialEvents
//   writes      dryRun (only "All"), fieldValidation (Ignore, Warn, Strict)
//   delete      propagationPolicy (Orphan, Background, Foreground), orphanDependents,
//               gracePeriodSeconds, preconditions (uid, resourceVersion), dryRun — from the
//               query or from a DeleteOptions body, the body winning as in kube-apiserver.
// Every error is InvalidArgument carrying a 400 BadRequest Status. Pure functions.
#ifndef FLYOVER_APISERVER_SERVER_REQUEST_OPTIONS_H_
#define FLYOVER_APISERVER_SERVER_REQUEST_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/server/http_types.h"
#include "apiserver/server/object_service.h"

namespace flyover::apiserver {

struct ListParams {
  ListRequest request;  // selectors, limit, continue, exact revision
  // resourceVersion: nullopt when absent or "" (most recent); 0 means "any".
  std::optional<int64_t> resource_version;
  std::string resource_version_match;  // "", "Exact", "NotOlderThan"
  bool allow_bookmarks = false;
  std::optional<int64_t> timeout_seconds;
  std::optional<bool> send_initial_events;
};

[[nodiscard]] absl::StatusOr<ListParams> ParseListParams(const HttpRequest& request,
                                                         const discovery::ResourceInfo& resource);
[[nodiscard]] absl::StatusOr<WriteOptions> ParseWriteOptions(const HttpRequest& request);
[[nodiscard]] absl::StatusOr<DeleteOptions> ParseDeleteOptions(const HttpRequest& request);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_REQUEST_OPTIONS_H_
