// Non-resource GET paths kubectl reads before and around resource requests, served from a
// registry snapshot (apiserver/discovery renders them; its README says who reads what):
//   /version
//   /api, /apis           aggregated discovery (apidiscovery.k8s.io/v2) when the Accept
//                         header offers it, else APIVersions / APIGroupList
//   /api/v1, /apis/<g>, /apis/<g>/<v>
//   /openapi/v2           protobuf when asked for (kubectl), else JSON
//   /openapi/v3, /openapi/v3/api/v1, /openapi/v3/apis/<g>/<v>   (the ?hash= is ignored)
// Unknown groups and versions answer 404 with a Status.
//
// Thread-safety: a pure function of the request and the snapshot.
#ifndef FLYOVER_APISERVER_SERVER_DISCOVERY_HANDLER_H_
#define FLYOVER_APISERVER_SERVER_DISCOVERY_HANDLER_H_

#include <optional>

#include "apiserver/server/http_types.h"
#include "apiserver/server/registry_state.h"

namespace flyover::apiserver {

// The response for a discovery or OpenAPI path; nullopt for any other path.
std::optional<HttpResponse> ServeDiscovery(const HttpRequest& request,
                                           const RegistrySnapshot& snapshot);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_DISCOVERY_HANDLER_H_
