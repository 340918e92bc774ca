#include "apiserver/discovery/openapi.h"

#include <cstdint>
#include <cstring>
#include <deque>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "apiserver/discovery/builtin_schemas.h"
#include "apiserver/discovery/openapi_convert.h"
#include "apiserver/discovery/openapi_paths.h"
#include "kube/api/json_util.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

constexpr char kRefPrefix[] = "#/definitions/";

// Every "#/definitions/<name>" reference anywhere inside `schema`.
void CollectRefs(const json& schema, std::vector<std::string>* out) {
  if (schema.is_object()) {
    auto ref = schema.find("$ref");
    if (ref != schema.end() && ref->is_string() && absl::StartsWith(ref->get<std::string>(), kRefPrefix)) {
      out->push_back(ref->get<std::string>().substr(strlen(kRefPrefix)));
    }
    for (const auto& [key, value] : schema.items()) CollectRefs(value, out);
  } else if (schema.is_array()) {
    for (const json& item : schema) CollectRefs(item, out);
  }
}

// The neutral definitions of `resources` (kinds and lists) plus every built-in definition
// they reach through references.
json NeutralDefinitions(const std::vector<const ResourceInfo*>& resources) {
  json defs = json::object();
  std::deque<std::string> pending;
  for (const ResourceInfo* r : resources) {
    json kind = r->IsCustom() ? CustomResourceSchema(*r)
                              : BuiltinDefinitions().value(DefinitionName(*r), json());
    if (kind.is_null()) continue;
    defs[DefinitionName(*r)] = kind;
    defs[ListDefinitionName(*r)] = ListSchema(*r);
  }
  std::vector<std::string> refs;
  CollectRefs(defs, &refs);
  pending.assign(refs.begin(), refs.end());
  while (!pending.empty()) {
    std::string name = pending.front();
    pending.pop_front();
    if (defs.contains(name) || !BuiltinDefinitions().contains(name)) continue;
    defs[name] = BuiltinDefinitions()[name];
    std::vector<std::string> more;
    CollectRefs(defs[name], &more);
    pending.insert(pending.end(), more.begin(), more.end());
  }
  return defs;
}

std::vector<const ResourceInfo*> AllResources(const ResourceRegistry& registry) {
  std::vector<const ResourceInfo*> out;
  for (const ResourceInfo& r : registry.resources()) out.push_back(&r);
  return out;
}

json Info(const ServerVersion& version) {
  return {{"title", "Kubernetes"}, {"version", version.git_version}};
}

std::string Hash(const json& document) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : kube::DumpJson(document)) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return absl::StrFormat("%016X", hash);
}

std::string V3Path(absl::string_view group, absl::string_view version) {
  return group.empty() ? absl::StrCat("api/", version) : absl::StrCat("apis/", group, "/", version);
}

}  // namespace

json OpenApiV2Document(const ResourceRegistry& registry, const ServerVersion& version) {
  json definitions = json::object();
  const json neutral = NeutralDefinitions(AllResources(registry));
  for (const auto& [name, schema] : neutral.items()) {
    definitions[name] = ToOpenApiV2Schema(schema);
  }
  return {{"swagger", "2.0"},
          {"info", Info(version)},
          {"paths", json::object()},
          {"definitions", definitions}};
}

json OpenApiV3Index(const ResourceRegistry& registry, const ServerVersion& version) {
  json paths = json::object();
  for (const GroupVersions& group : registry.Groups()) {
    for (const std::string& v : group.versions) {
      absl::StatusOr<json> doc = OpenApiV3Document(registry, group.group, v, version);
      if (!doc.ok()) continue;
      std::string path = V3Path(group.group, v);
      paths[path] = {{"serverRelativeURL", absl::StrCat("/openapi/v3/", path, "?hash=", Hash(*doc))}};
    }
  }
  return {{"paths", paths}};
}

absl::StatusOr<json> OpenApiV3Document(const ResourceRegistry& registry, absl::string_view group,
                                       absl::string_view version, const ServerVersion& server) {
  std::vector<const ResourceInfo*> resources = registry.ResourcesIn(group, version);
  if (resources.empty()) {
    return absl::NotFoundError(absl::StrCat("no OpenAPI document for ", V3Path(group, version)));
  }
  json paths = json::object();
  for (const ResourceInfo* r : resources) paths.update(ResourcePathsV3(*r));
  json schemas = json::object();
  const json neutral = NeutralDefinitions(resources);
  for (const auto& [name, schema] : neutral.items()) {
    schemas[name] = ToOpenApiV3Schema(schema);
  }
  return json{{"openapi", "3.0.0"},
              {"info", Info(server)},
              {"paths", paths},
              {"components", {{"schemas", schemas}}}};
}

}  // namespace flyover::apiserver::discovery
