// Turning the neutral schemas (schema_dsl.h, and CRD structural schemas) into what each
// OpenAPI consumer reads. Internal to apiserver/discovery; pure functions.
//
// OpenAPI v2 is read by kubectl's client-side validation and by `kubectl explain` through
// kube-openapi's proto model, whose older releases (kubectl 1.20) accept only this shape:
//   - an object with properties carries no `type` (with `type: object` it would be read
//     as a map and rejected for lacking additionalProperties);
//   - a map is `type: object` + an additionalProperties schema;
//   - free-form values (x-kubernetes-preserve-unknown-fields, x-kubernetes-int-or-string,
//     objects without properties, additionalProperties: true, arrays without items) carry
//     no type at all, so any value validates;
//   - keywords v2 lacks (nullable, CEL rules, anyOf, ...) are dropped.
// OpenAPI v3 keeps the schema as is, moves references to #/components/schemas/ and wraps
// a reference that has sibling keywords in allOf, as kube-apiserver publishes it.
#ifndef FLYOVER_APISERVER_DISCOVERY_OPENAPI_CONVERT_H_
#define FLYOVER_APISERVER_DISCOVERY_OPENAPI_CONVERT_H_

#include <string>

#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

nlohmann::json ToOpenApiV2Schema(const nlohmann::json& schema);
nlohmann::json ToOpenApiV3Schema(const nlohmann::json& schema);

// Definition names: the built-in name (io.k8s.api.core.v1.Pod) or, for custom resources,
// the reversed group, version and kind (dev.flyover.training.v1alpha1.PostTrainingJob).
std::string DefinitionName(const ResourceInfo& resource);
std::string ListDefinitionName(const ResourceInfo& resource);

// The neutral definition of a custom resource: its structural schema with metadata as a
// reference to ObjectMeta, apiVersion and kind described, and the GVK extension.
nlohmann::json CustomResourceSchema(const ResourceInfo& resource);

// The neutral definition of <Kind>List.
nlohmann::json ListSchema(const ResourceInfo& resource);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_OPENAPI_CONVERT_H_
