// The OpenAPI v3 `paths` of one resource: collection and item paths (and subresource
// paths) with one operation per served verb. Each operation carries
// x-kubernetes-action and x-kubernetes-group-version-kind, which kubectl reads:
//   - `kubectl explain` (1.27+) finds a resource's kind through the GVK of the operations
//     on /api(s)/.../<plural> or .../<plural>/{name};
//   - kubectl's field-validation check (1.27+) looks for a PATCH operation of the kind
//     whose parameters include `fieldValidation`; when found, kubectl leaves validation
//     to the server (?fieldValidation=Strict) instead of validating client-side.
// Internal to apiserver/discovery; pure.
#ifndef FLYOVER_APISERVER_DISCOVERY_OPENAPI_PATHS_H_
#define FLYOVER_APISERVER_DISCOVERY_OPENAPI_PATHS_H_

#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// Path template -> PathItem, with responses referring to #/components/schemas/<names>.
nlohmann::json ResourcePathsV3(const ResourceInfo& resource);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_OPENAPI_PATHS_H_
