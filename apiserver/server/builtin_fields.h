// Unknown fields in objects of built-in kinds (pods, nodes, configmaps, ...), handled as
// kube-apiserver handles them: a field its Go types do not declare is dropped, and the
// request's fieldValidation says what the client hears of it —
//   Warn (the default)  a warning per field: unknown field "spec.foo" (a Warning header);
//   Strict              400 BadRequest: Pod in version "v1" cannot be handled as a Pod:
//                       strict decoding error: unknown field "spec.foo", unknown field ...;
//   Ignore              nothing.
// "Declared" means declared by the kind's schema in apiserver/discovery (the one kubectl
// explain and client-side validation read), with its references resolved; the parts it
// describes only in words (free-form objects) keep whatever they hold. apiVersion, kind
// and metadata are left to the strategy. Custom resources are pruned against their CRD
// schema by custom_resource_admission.h instead; kinds without a schema are left alone.
//
// Thread-safety: free functions; the resolved schemas are built once, on first use.
#ifndef FLYOVER_APISERVER_SERVER_BUILTIN_FIELDS_H_
#define FLYOVER_APISERVER_SERVER_BUILTIN_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/server/custom_resource_admission.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

// The pruning schema of a built-in kind, or null when it has none (custom resources).
const nlohmann::json* BuiltinPruningSchema(const discovery::ResourceInfo& resource);

// Drops the fields of `object` the kind does not declare; see above for what `validation`
// makes of them. `warnings` may be null.
[[nodiscard]] absl::Status PruneUnknownBuiltinFields(const discovery::ResourceInfo& resource,
                                                     FieldValidation validation,
                                                     nlohmann::json& object,
                                                     std::vector<std::string>* warnings);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_BUILTIN_FIELDS_H_
