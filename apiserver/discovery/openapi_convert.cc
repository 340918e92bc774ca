#include "apiserver/discovery/openapi_convert.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "apiserver/discovery/builtin_schemas.h"
#include "apiserver/discovery/schema_dsl.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

constexpr char kV2RefPrefix[] = "#/definitions/";
constexpr char kV3RefPrefix[] = "#/components/schemas/";

bool Flag(const json& schema, const char* key) {
  auto it = schema.find(key);
  return it != schema.end() && it->is_boolean() && it->get<bool>();
}

// Extensions that describe structure v2 readers do not understand; the rest (patch
// strategy, merge key, group-version-kind, list type) are kept.
bool KeepV2Extension(const std::string& key) {
  return absl::StartsWith(key, "x-") && key != "x-kubernetes-preserve-unknown-fields" &&
         key != "x-kubernetes-int-or-string" && key != "x-kubernetes-embedded-resource" &&
         key != "x-kubernetes-validations";
}

bool HasNonEmptyObject(const json& schema, const char* key) {
  auto it = schema.find(key);
  return it != schema.end() && it->is_object() && !it->empty();
}

void ConvertV2Object(const json& schema, json* out) {
  if (HasNonEmptyObject(schema, "properties")) {
    json properties = json::object();
    for (const auto& [name, sub] : schema["properties"].items()) {
      properties[name] = ToOpenApiV2Schema(sub);
    }
    (*out)["properties"] = properties;
    if (schema.contains("required")) (*out)["required"] = schema["required"];
  } else if (HasNonEmptyObject(schema, "additionalProperties")) {
    (*out)["type"] = "object";
    (*out)["additionalProperties"] = ToOpenApiV2Schema(schema["additionalProperties"]);
  }
}

void ConvertV2Typed(const json& schema, const std::string& type, json* out) {
  if (type == "object" || (type.empty() && schema.contains("properties"))) {
    ConvertV2Object(schema, out);
  } else if (type == "array") {
    if (HasNonEmptyObject(schema, "items")) {
      (*out)["type"] = "array";
      (*out)["items"] = ToOpenApiV2Schema(schema["items"]);
    }
  } else if (type == "string" || type == "integer" || type == "number" || type == "boolean") {
    (*out)["type"] = type;
    if (schema.contains("format")) (*out)["format"] = schema["format"];
    if (schema.contains("enum")) (*out)["enum"] = schema["enum"];
  }
}

std::string ReversedGroup(const std::string& group) {
  std::vector<std::string> parts = absl::StrSplit(group, '.');
  std::reverse(parts.begin(), parts.end());
  return absl::StrJoin(parts, ".");
}

}  // namespace

json ToOpenApiV2Schema(const json& schema) {
  json out = json::object();
  if (!schema.is_object()) return out;
  if (schema.contains("description")) out["description"] = schema["description"];
  for (const auto& [key, value] : schema.items()) {
    if (KeepV2Extension(key)) out[key] = value;
  }
  if (auto ref = schema.find("$ref"); ref != schema.end()) {
    out["$ref"] = *ref;
    return out;
  }
  if (Flag(schema, "x-kubernetes-preserve-unknown-fields") ||
      Flag(schema, "x-kubernetes-int-or-string")) {
    return out;
  }
  std::string type = schema.value("type", "");
  ConvertV2Typed(schema, type, &out);
  return out;
}

json ToOpenApiV3Schema(const json& schema) {
  if (!schema.is_object()) return schema;
  json out = json::object();
  for (const auto& [key, value] : schema.items()) {
    if (key == "$ref" && value.is_string()) {
      std::string ref = value.get<std::string>();
      if (absl::StartsWith(ref, kV2RefPrefix)) ref = kV3RefPrefix + ref.substr(strlen(kV2RefPrefix));
      out[key] = ref;
    } else if ((key == "properties" || key == "patternProperties") && value.is_object()) {
      json map = json::object();
      for (const auto& [name, sub] : value.items()) map[name] = ToOpenApiV3Schema(sub);
      out[key] = map;
    } else if (key == "items" || key == "additionalProperties" || key == "not") {
      out[key] = ToOpenApiV3Schema(value);
    } else if ((key == "allOf" || key == "anyOf" || key == "oneOf") && value.is_array()) {
      json list = json::array();
      for (const json& sub : value) list.push_back(ToOpenApiV3Schema(sub));
      out[key] = list;
    } else {
      out[key] = value;
    }
  }
  if (out.contains("$ref") && out.size() > 1) {
    json ref = {{"$ref", out["$ref"]}};
    out.erase("$ref");
    out["allOf"] = json::array({ref});
  }
  return out;
}

std::string DefinitionName(const ResourceInfo& resource) {
  if (!resource.IsCustom()) {
    std::string name = BuiltinDefinitionName(resource.group, resource.kind);
    if (!name.empty()) return name;
  }
  return ReversedGroup(resource.group) + "." + resource.version + "." + resource.kind;
}

std::string ListDefinitionName(const ResourceInfo& resource) {
  std::string name = DefinitionName(resource);
  return name.substr(0, name.size() - resource.kind.size()) + resource.list_kind;
}

json CustomResourceSchema(const ResourceInfo& resource) {
  json schema = resource.schema.is_object() ? resource.schema : dsl::Free("");
  if (!schema.contains("type")) schema["type"] = "object";
  json base = dsl::Kind(resource.group, resource.version, resource.kind, "", {});
  for (const char* field : {"apiVersion", "kind", "metadata"}) {
    schema["properties"][field] = base["properties"][field];
  }
  schema["x-kubernetes-group-version-kind"] = base["x-kubernetes-group-version-kind"];
  return schema;
}

json ListSchema(const ResourceInfo& resource) {
  json schema = dsl::Kind(
      resource.group, resource.version, resource.list_kind,
      "A list of " + resource.kind + " objects.",
      {{"items", dsl::ArrayOf(dsl::Ref(DefinitionName(resource), ""), "The objects.")}},
      {"items"});
  schema["properties"]["metadata"] =
      dsl::Ref(absl::StrCat(dsl::kMeta, "ListMeta"), "Standard list metadata.");
  return schema;
}

}  // namespace flyover::apiserver::discovery
