// RequestInfo: what an API request addresses and which Kubernetes verb it is, read from the
// HTTP method, the URL path and the query — the way kube-apiserver classifies requests
// before routing them.
//
//   /api/v1/namespaces/{ns}/{resource}[/{name}[/{subresource}]]
//   /apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}[/{subresource}]]
//   /api/v1/{resource}[/{name}[/{subresource}]]            (cluster-scoped, or all namespaces)
//   /api/v1/namespaces[/{name}[/{subresource}]]            (the namespaces themselves)
//   /api/v1/watch/...                                      (legacy watch prefix)
//
// Verbs: GET with a name → get, without → list (watch with ?watch=true|1 or the /watch/
// prefix); POST → create; PUT → update; PATCH → patch; DELETE with a name → delete,
// without → deletecollection. Paths outside /api and /apis (discovery under /version,
// /openapi, /healthz...) are not resource requests. Pure function; thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_REQUEST_INFO_H_
#define FLYOVER_APISERVER_SERVER_REQUEST_INFO_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::apiserver {

struct RequestInfo {
  bool is_resource_request = false;
  std::string verb;  // get list watch create update patch delete deletecollection
  std::string group;  // "" for the core group
  std::string version;
  std::string namespace_name;  // "" for cluster-scoped or all-namespace requests
  std::string resource;
  std::string name;
  std::string subresource;
};

// `watch_param` is the value of the `watch` query parameter ("" when absent).
// InvalidArgument (a 404 for the caller) for paths under /api or /apis that do not parse.
[[nodiscard]] absl::StatusOr<RequestInfo> ParseRequestInfo(absl::string_view method,
                                                           absl::string_view path,
                                                           absl::string_view watch_param);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_REQUEST_INFO_H_
