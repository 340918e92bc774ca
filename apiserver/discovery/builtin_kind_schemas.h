// The OpenAPI schemas of the built-in kinds, for users outside apiserver/discovery (the
// server prunes unknown fields of built-in objects with them). The same definitions the
// OpenAPI documents publish, in the neutral form of schema_dsl.h, keyed by the definition
// names kube-apiserver uses (io.k8s.api.core.v1.Pod, ...); references between them are
// "#/definitions/<name>". Built once, immutable: thread-safe.
#ifndef FLYOVER_APISERVER_DISCOVERY_BUILTIN_KIND_SCHEMAS_H_
#define FLYOVER_APISERVER_DISCOVERY_BUILTIN_KIND_SCHEMAS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// Every built-in definition (kinds and the types they reference), by name.
const nlohmann::json& BuiltinDefinitions();

// The definition name of a built-in kind ("" if `group`/`kind` is not built in).
std::string BuiltinDefinitionName(absl::string_view group, absl::string_view kind);

// The definition of `resource`'s kind, its references unresolved; nullptr for custom
// resources and for kinds without one.
const nlohmann::json* BuiltinKindSchema(const ResourceInfo& resource);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_BUILTIN_KIND_SCHEMAS_H_
