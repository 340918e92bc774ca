// Small builders for the OpenAPI schemas of built-in kinds, written in the neutral form
// openapi_convert.h turns into OpenAPI v2 and v3: JSON Schema with references spelled
// "#/definitions/<name>", `type: object` on objects, and Kubernetes' x- extensions.
// Internal to apiserver/discovery.
#ifndef FLYOVER_APISERVER_DISCOVERY_SCHEMA_DSL_H_
#define FLYOVER_APISERVER_DISCOVERY_SCHEMA_DSL_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery::dsl {

using nlohmann::json;

inline constexpr char kMeta[] = "io.k8s.apimachinery.pkg.apis.meta.v1.";
inline constexpr char kCore[] = "io.k8s.api.core.v1.";

inline json Described(json schema, const std::string& description) {
  if (!description.empty()) schema["description"] = description;
  return schema;
}
inline json Str(const std::string& d) { return Described({{"type", "string"}}, d); }
inline json Int32(const std::string& d) {
  return Described({{"type", "integer"}, {"format", "int32"}}, d);
}
inline json Int64(const std::string& d) {
  return Described({{"type", "integer"}, {"format", "int64"}}, d);
}
inline json Bool(const std::string& d) { return Described({{"type", "boolean"}}, d); }
inline json Time(const std::string& d) {
  return Described({{"type", "string"}, {"format", "date-time"}}, d);
}
// resource.Quantity ("500m", "4Gi", or a plain number): any scalar is accepted.
inline json Quantity(const std::string& d) {
  return Described({{"type", "string"}, {"x-kubernetes-int-or-string", true}}, d);
}
inline json IntOrString(const std::string& d) {
  return Described({{"type", "string"}, {"format", "int-or-string"},
                    {"x-kubernetes-int-or-string", true}},
                   d);
}
// A value described here only in words: any object is accepted and kept.
inline json Free(const std::string& d) {
  return Described({{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}, d);
}
inline json Ref(const std::string& name, const std::string& d) {
  return Described({{"$ref", "#/definitions/" + name}}, d);
}
inline json ArrayOf(json items, const std::string& d) {
  return Described({{"type", "array"}, {"items", std::move(items)}}, d);
}
inline json StringList(const std::string& d) { return ArrayOf({{"type", "string"}}, d); }
// A list that strategic merge patch merges by `key` (kubectl apply relies on this); an
// empty key merges a list of scalars as a set.
inline json MergeList(json items, const std::string& key, const std::string& d,
                      const std::string& strategy = "merge") {
  json schema = ArrayOf(std::move(items), d);
  schema["x-kubernetes-patch-strategy"] = strategy;
  if (!key.empty()) schema["x-kubernetes-patch-merge-key"] = key;
  return schema;
}
inline json MapOf(json values, const std::string& d) {
  return Described({{"type", "object"}, {"additionalProperties", std::move(values)}}, d);
}
inline json StringMap(const std::string& d) { return MapOf({{"type", "string"}}, d); }
inline json QuantityMap(const std::string& d) { return MapOf(Quantity(""), d); }

inline json Object(const std::string& d, std::initializer_list<std::pair<const char*, json>> props,
                   std::vector<std::string> required = {}) {
  json properties = json::object();
  for (const auto& [name, schema] : props) properties[name] = schema;
  json schema = Described({{"type", "object"}, {"properties", properties}}, d);
  if (!required.empty()) schema["required"] = required;
  return schema;
}

// A top-level kind: apiVersion, kind and metadata, plus `props`, tagged with its GVK.
json Kind(const std::string& group, const std::string& version, const std::string& kind,
          const std::string& d, std::initializer_list<std::pair<const char*, json>> props,
          std::vector<std::string> required = {});

}  // namespace flyover::apiserver::discovery::dsl

#endif  // FLYOVER_APISERVER_DISCOVERY_SCHEMA_DSL_H_
