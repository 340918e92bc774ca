// Structural OpenAPI v3 schemas of CustomResourceDefinitions: defaulting, pruning and
// validation of custom resources, as kube-apiserver applies them.
//
// Schemas are the JSON of a CRD version's `schema.openAPIV3Schema`. Supported keywords:
// type, nullable, properties, additionalProperties, items, required, enum, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum, minLength, maxLength, pattern, minItems,
// maxItems, format (int32, int64), default, x-kubernetes-preserve-unknown-fields,
// x-kubernetes-int-or-string, x-kubernetes-list-type (set, map) with list-map-keys.
// x-kubernetes-validations (CEL) are not evaluated here: a type with a C++ validator
// (PostTrainingJob) enforces the same rules in C++, and a test keeps the two in step.
//
// At the root of an object, apiVersion, kind and metadata belong to the API server and
// are neither pruned nor validated here. All functions are pure and thread-compatible.
#ifndef FLYOVER_KUBE_SCHEMA_STRUCTURAL_SCHEMA_H_
#define FLYOVER_KUBE_SCHEMA_STRUCTURAL_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::schema {

// Fills every absent property that has a `default`, then descends, so nested defaults
// apply inside defaulted objects too (the `default: {}` idiom). Also descends into
// array items and additionalProperties.
void ApplyDefaults(const nlohmann::json& schema, nlohmann::json* value);

// Removes every field the schema does not declare (unless the schema preserves unknown
// fields there). Returns the paths removed, for warnings or strict rejection.
std::vector<std::string> Prune(const nlohmann::json& schema, nlohmann::json* value);

// Checks `value` against the schema; reports unknown fields too (call Prune first to
// drop them silently, as a non-strict API server would).
void Validate(const nlohmann::json& schema, const nlohmann::json& value, ErrorList* errors);

// The openAPIV3Schema of `version` in a CRD object (apiextensions.k8s.io/v1).
[[nodiscard]] absl::StatusOr<nlohmann::json> CrdVersionSchema(const nlohmann::json& crd,
                                                              absl::string_view version);

}  // namespace flyover::kube::schema

#endif  // FLYOVER_KUBE_SCHEMA_STRUCTURAL_SCHEMA_H_
