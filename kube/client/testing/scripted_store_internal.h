// Helpers shared by the ScriptedStore source files.
#ifndef FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_STORE_INTERNAL_H_
#define FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_STORE_INTERNAL_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "kube/client/resource.h"
#include "kube/client/testing/scripted_store.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::testing::internal {

inline std::string Key(const ResourceDescriptor& r, const std::string& ns, const std::string& name) {
  return r.namespaced ? absl::StrCat(ns, "/", name) : name;
}

// metadata.<key> when it is a string, else "".
inline std::string MetaStr(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return "";
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  auto it = meta->find(key);
  return it != meta->end() && it->is_string() ? it->get<std::string>() : "";
}

inline nlohmann::json Details(const ResourceDescriptor& r, const std::string& name) {
  return {{"name", name}, {"group", r.group}, {"kind", r.plural}};
}

inline StoreResult NotFound(const ResourceDescriptor& r, const std::string& name) {
  return StatusResult(404, "NotFound", absl::StrCat(r.QualifiedName(), " \"", name, "\" not found"),
                      Details(r, name));
}

inline StoreResult AlreadyExists(const ResourceDescriptor& r, const std::string& name) {
  return StatusResult(409, "AlreadyExists",
                      absl::StrCat(r.QualifiedName(), " \"", name, "\" already exists"),
                      Details(r, name));
}

inline StoreResult Conflict(const ResourceDescriptor& r, const std::string& name) {
  return StatusResult(
      409, "Conflict",
      absl::StrCat("Operation cannot be fulfilled on ", r.QualifiedName(), " \"", name,
                   "\": the object has been modified; please apply your changes to the latest "
                   "version and try again"),
      Details(r, name));
}

inline StoreResult Invalid(const ResourceDescriptor& r, const std::string& name,
                           const std::string& detail) {
  const std::string kind = r.group.empty() ? r.kind : absl::StrCat(r.kind, ".", r.group);
  return StatusResult(422, "Invalid",
                      absl::StrCat(kind, " \"", name, "\" is invalid: ", detail),
                      {{"name", name}, {"group", r.group}, {"kind", r.kind}});
}

}  // namespace flyover::kube::testing::internal

#endif  // FLYOVER_KUBE_CLIENT_TESTING_SCRIPTED_STORE_INTERNAL_H_
