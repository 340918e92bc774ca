#include "apiserver/server/builtin_fields.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "apiserver/discovery/builtin_kind_schemas.h"
#include "apiserver/semantics/api_status_builder.h"
#include "kube/schema/structural_schema.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr char kDefinitionsPrefix[] = "#/definitions/";
// Deeper than any built-in kind nests; a self-referencing type stops here, kept free-form.
constexpr int kMaxDepth = 24;

json FreeForm() { return {{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}}; }

// `schema` with every "$ref" replaced by the definition it names, recursively.
json Resolve(const json& schema, const json& definitions, int depth) {
  if (!schema.is_object()) return schema;
  if (depth > kMaxDepth) return FreeForm();
  if (auto ref = schema.find("$ref"); ref != schema.end() && ref->is_string()) {
    std::string name = ref->get<std::string>();
    if (!absl::StartsWith(name, kDefinitionsPrefix)) return FreeForm();
    name = name.substr(sizeof(kDefinitionsPrefix) - 1);
    auto definition = definitions.find(name);
    if (definition == definitions.end()) return FreeForm();
    return Resolve(*definition, definitions, depth + 1);
  }
  json out = schema;
  if (auto properties = out.find("properties"); properties != out.end()) {
    for (auto& [name, property] : properties->items()) {
      property = Resolve(property, definitions, depth + 1);
    }
  }
  for (const char* child : {"items", "additionalProperties"}) {
    if (auto it = out.find(child); it != out.end() && it->is_object()) {
      *it = Resolve(*it, definitions, depth + 1);
    }
  }
  return out;
}

// Every built-in kind's resolved schema, by definition name.
const std::map<std::string, json>& ResolvedKinds() {
  static const auto* kinds = [] {
    auto* out = new std::map<std::string, json>();
    const json& definitions = discovery::BuiltinDefinitions();
    for (const auto& [name, definition] : definitions.items()) {
      (*out)[name] = Resolve(definition, definitions, 0);
    }
    return out;
  }();
  return *kinds;
}

}  // namespace

const json* BuiltinPruningSchema(const discovery::ResourceInfo& resource) {
  if (resource.IsCustom()) return nullptr;
  const std::string name = discovery::BuiltinDefinitionName(resource.group, resource.kind);
  if (name.empty()) return nullptr;
  const std::map<std::string, json>& kinds = ResolvedKinds();
  auto it = kinds.find(name);
  return it == kinds.end() ? nullptr : &it->second;
}

absl::Status PruneUnknownBuiltinFields(const discovery::ResourceInfo& resource,
                                       FieldValidation validation, json& object,
                                       std::vector<std::string>* warnings) {
  const json* schema = BuiltinPruningSchema(resource);
  if (schema == nullptr || !object.is_object()) return absl::OkStatus();
  json pruned = object;
  const std::vector<std::string> removed = kube::schema::Prune(*schema, &pruned);
  if (removed.empty()) return absl::OkStatus();
  std::vector<std::string> messages;
  for (const std::string& path : removed) {
    messages.push_back(absl::StrCat("unknown field \"", path, "\""));
  }
  if (validation == FieldValidation::kStrict) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat(
        resource.kind, " in version \"", resource.version, "\" cannot be handled as a ",
        resource.kind, ": strict decoding error: ", absl::StrJoin(messages, ", "))));
  }
  if (validation == FieldValidation::kWarn && warnings != nullptr) {
    warnings->insert(warnings->end(), messages.begin(), messages.end());
  }
  object = std::move(pruned);
  return absl::OkStatus();
}

}  // namespace flyover::apiserver
