#include "apiserver/discovery/openapi_paths.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/openapi_convert.h"

namespace flyover::apiserver::discovery {
namespace {

using nlohmann::json;

constexpr char kSchemas[] = "#/components/schemas/";

json Param(const char* name, const char* in, const char* description) {
  json p = {{"name", name},
            {"in", in},
            {"description", description},
            {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
  if (std::string(in) == "path") p["required"] = true;
  return p;
}

json WriteParams() {
  return json::array(
      {Param("dryRun", "query", "All: process the request without persisting it."),
       Param("fieldManager", "query", "Name of the actor making the change."),
       Param("fieldValidation", "query",
             "Ignore, Warn or Strict: what to do with unknown or duplicate fields.")});
}

json ListParams() {
  return json::array({Param("labelSelector", "query", "Select objects by label."),
                      Param("fieldSelector", "query", "Select objects by field."),
                      Param("limit", "query", "Maximum number of objects to return."),
                      Param("continue", "query", "Token from a previous page."),
                      Param("resourceVersion", "query", "Version to list or watch from."),
                      Param("watch", "query", "Watch for changes instead of listing.")});
}

json Content(const std::vector<const char*>& media_types, const json& schema) {
  json content = json::object();
  for (const char* type : media_types) content[type] = {{"schema", schema}};
  return content;
}

json Ok(const std::string& definition) {
  return {{"200",
           {{"description", "OK"},
            {"content", Content({"application/json", "application/yaml"},
                                {{"$ref", kSchemas + definition}})}}}};
}

class OperationBuilder {
 public:
  explicit OperationBuilder(const ResourceInfo& r) : r_(r) {}

  json Build(const char* action, const std::string& operation_id, json params,
             const std::string& response, const json& body = nullptr) const {
    json op = {{"operationId", operation_id},
               {"description", absl::StrCat(action, " ", r_.kind)},
               {"parameters", std::move(params)},
               {"responses", Ok(response)},
               {"x-kubernetes-action", action},
               {"x-kubernetes-group-version-kind",
                {{"group", r_.group}, {"kind", r_.kind}, {"version", r_.version}}}};
    if (!body.is_null()) op["requestBody"] = {{"content", body}, {"required", true}};
    return op;
  }

  json ObjectBody() const {
    return Content({"application/json", "application/yaml"},
                   {{"$ref", kSchemas + DefinitionName(r_)}});
  }

  json PatchBody() const {
    std::vector<const char*> types = {"application/json-patch+json",
                                      "application/merge-patch+json",
                                      "application/apply-patch+yaml"};
    if (!r_.IsCustom()) types.push_back("application/strategic-merge-patch+json");
    return Content(types, {{"type", "object"}});
  }

 private:
  const ResourceInfo& r_;
};

bool Has(const std::vector<std::string>& verbs, const char* verb) {
  return std::find(verbs.begin(), verbs.end(), verb) != verbs.end();
}

json Concat(json a, const json& b) {
  for (const json& item : b) a.push_back(item);
  return a;
}

}  // namespace

json ResourcePathsV3(const ResourceInfo& r) {
  const std::string prefix = r.group.empty() ? "/api/v1" : absl::StrCat("/apis/", r.group, "/",
                                                                        r.version);
  const std::string scope = r.namespaced ? "Namespaced" : "";
  const std::string def = DefinitionName(r);
  const std::string list_def = ListDefinitionName(r);
  const json ns = r.namespaced ? json::array({Param("namespace", "path", "Object namespace.")})
                               : json::array();
  const json name = Concat(ns, json::array({Param("name", "path", "Object name.")}));
  OperationBuilder op(r);
  json paths = json::object();

  const std::string collection =
      r.namespaced ? absl::StrCat(prefix, "/namespaces/{namespace}/", r.plural)
                   : absl::StrCat(prefix, "/", r.plural);
  json& coll = paths[collection] = json::object();
  if (Has(r.verbs, "list")) {
    coll["get"] = op.Build("list", "list" + scope + r.kind, Concat(ns, ListParams()), list_def);
    if (r.namespaced) {
      paths[absl::StrCat(prefix, "/", r.plural)]["get"] =
          op.Build("list", "list" + r.kind + "ForAllNamespaces", ListParams(), list_def);
    }
  }
  if (Has(r.verbs, "create")) {
    coll["post"] = op.Build("post", "create" + scope + r.kind, Concat(ns, WriteParams()), def,
                            op.ObjectBody());
  }
  if (Has(r.verbs, "deletecollection")) {
    coll["delete"] = op.Build("deletecollection", "deleteCollection" + scope + r.kind,
                              Concat(ns, ListParams()), list_def);
  }

  const std::string item = collection + "/{name}";
  json& one = paths[item] = json::object();
  if (Has(r.verbs, "get")) one["get"] = op.Build("get", "read" + scope + r.kind, name, def);
  if (Has(r.verbs, "update")) {
    one["put"] = op.Build("put", "replace" + scope + r.kind, Concat(name, WriteParams()), def,
                          op.ObjectBody());
  }
  if (Has(r.verbs, "patch")) {
    json params = Concat(Concat(name, WriteParams()),
                         json::array({Param("force", "query", "Force server-side apply.")}));
    one["patch"] = op.Build("patch", "patch" + scope + r.kind, params, def, op.PatchBody());
  }
  if (Has(r.verbs, "delete")) {
    one["delete"] = op.Build("delete", "delete" + scope + r.kind, name, def);
  }

  for (const Subresource& s : r.subresources) {
    if (s.name != "status") continue;
    json& status = paths[item + "/status"] = json::object();
    status["get"] = op.Build("get", "read" + scope + r.kind + "Status", name, def);
    status["put"] = op.Build("put", "replace" + scope + r.kind + "Status",
                             Concat(name, WriteParams()), def, op.ObjectBody());
    status["patch"] = op.Build("patch", "patch" + scope + r.kind + "Status",
                               Concat(name, WriteParams()), def, op.PatchBody());
  }
  return paths;
}

}  // namespace flyover::apiserver::discovery
