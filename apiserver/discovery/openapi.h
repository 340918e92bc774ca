// The OpenAPI documents kubectl reads for validation, `kubectl apply` patching and
// `kubectl explain` (README.md in this directory says which version reads which):
//   GET /openapi/v2, Accept: protobuf      OpenApiV2Protobuf(OpenApiV2Document(...))
//                                          with Content-Type kOpenApiV2ProtobufContentType
//   GET /openapi/v2 (otherwise)            OpenApiV2Document, as JSON
//   GET /openapi/v3                        OpenApiV3Index
//   GET /openapi/v3/api/v1, /openapi/v3/apis/<g>/<v>  (any ?hash=)
//                                          OpenApiV3Document, as JSON
// Definitions cover the built-in kinds (builtin_schemas.h) and every custom resource,
// built from its CRD's structural schema and tagged with x-kubernetes-group-version-kind.
// Pure functions of a registry snapshot.
#ifndef FLYOVER_APISERVER_DISCOVERY_OPENAPI_H_
#define FLYOVER_APISERVER_DISCOVERY_OPENAPI_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/discovery/discovery.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// Swagger 2.0: info and definitions (no paths: no supported kubectl needs them).
nlohmann::json OpenApiV2Document(const ResourceRegistry& registry,
                                 const ServerVersion& version = {});

// {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}, one
// entry per served group-version. The hash changes whenever the document does, so
// clients may cache each URL forever.
nlohmann::json OpenApiV3Index(const ResourceRegistry& registry, const ServerVersion& version = {});

// OpenAPI 3.0 document of one group-version ("" for the core group): paths of its
// resources and components.schemas with their kinds, lists and every schema they
// reference. NotFound for a group-version the registry does not serve.
[[nodiscard]] absl::StatusOr<nlohmann::json> OpenApiV3Document(const ResourceRegistry& registry,
                                                               absl::string_view group,
                                                               absl::string_view version,
                                                               const ServerVersion& server = {});

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_OPENAPI_H_
