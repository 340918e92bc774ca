#include "apiserver/server/rbac_admission.h"

#include <algorithm>
#include <string>
#include <vector>

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr char kRbacGroup[] = "rbac.authorization.k8s.io";

size_t ListSize(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_array() ? it->size() : 0;
}

std::string StringField(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

void ValidateRule(const json& rule, bool namespaced, const kube::FieldPath& path,
                  kube::ErrorList* errors) {
  if (ListSize(rule, "verbs") == 0) {
    errors->Required(path.Child("verbs"), "verbs must contain at least one value");
  }
  if (ListSize(rule, "nonResourceURLs") > 0) {
    const json& urls = rule.at("nonResourceURLs");
    if (namespaced) {
      errors->Invalid(path.Child("nonResourceURLs"), urls,
                      "namespaced rules cannot apply to non-resource URLs");
    }
    if (ListSize(rule, "apiGroups") + ListSize(rule, "resources") +
            ListSize(rule, "resourceNames") > 0) {
      errors->Invalid(path.Child("nonResourceURLs"), urls,
                      "rules cannot apply to both regular resources and non-resource URLs");
    }
    return;
  }
  if (ListSize(rule, "apiGroups") == 0) {
    errors->Required(path.Child("apiGroups"), "resource rules must supply at least one api group");
  }
  if (ListSize(rule, "resources") == 0) {
    errors->Required(path.Child("resources"), "resource rules must supply at least one resource");
  }
}

void ValidateRules(const json& role, bool namespaced, kube::ErrorList* errors) {
  auto rules = role.find("rules");
  if (rules == role.end() || !rules->is_array()) return;
  const kube::FieldPath path("rules");
  for (size_t i = 0; i < rules->size(); ++i) {
    if ((*rules)[i].is_object()) ValidateRule((*rules)[i], namespaced, path.Index(i), errors);
  }
}

void ValidateRoleRef(const json& binding, bool namespaced, kube::ErrorList* errors) {
  const kube::FieldPath path("roleRef");
  auto found = binding.find("roleRef");
  const json ref = found != binding.end() && found->is_object() ? *found : json::object();
  const std::string group = StringField(ref, "apiGroup");
  if (group != kRbacGroup) errors->NotSupported(path.Child("apiGroup"), group, {kRbacGroup});
  const std::string kind = StringField(ref, "kind");
  const std::vector<std::string> kinds =
      namespaced ? std::vector<std::string>{"Role", "ClusterRole"}
                 : std::vector<std::string>{"ClusterRole"};
  if (std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
    errors->NotSupported(path.Child("kind"), kind, kinds);
  }
  if (StringField(ref, "name").empty()) errors->Required(path.Child("name"));
}

void ValidateSubject(const json& subject, bool namespaced, const kube::FieldPath& path,
                     kube::ErrorList* errors) {
  if (StringField(subject, "name").empty()) errors->Required(path.Child("name"));
  const std::string kind = StringField(subject, "kind");
  const std::string group = StringField(subject, "apiGroup");
  if (kind == "ServiceAccount") {
    if (!group.empty()) errors->NotSupported(path.Child("apiGroup"), group, {""});
    if (!namespaced && StringField(subject, "namespace").empty()) {
      errors->Required(path.Child("namespace"));
    }
  } else if (kind == "User" || kind == "Group") {
    if (group != kRbacGroup) errors->NotSupported(path.Child("apiGroup"), group, {kRbacGroup});
  } else {
    errors->NotSupported(path.Child("kind"), kind, {"ServiceAccount", "User", "Group"});
  }
}

void ValidateBinding(const json& binding, const json* old, bool namespaced,
                     kube::ErrorList* errors) {
  ValidateRoleRef(binding, namespaced, errors);
  if (auto subjects = binding.find("subjects"); subjects != binding.end() && subjects->is_array()) {
    const kube::FieldPath path("subjects");
    for (size_t i = 0; i < subjects->size(); ++i) {
      const json& subject = (*subjects)[i];
      if (subject.is_object()) ValidateSubject(subject, namespaced, path.Index(i), errors);
    }
  }
  if (old == nullptr) return;
  const json before = old->value("roleRef", json::object());
  const json after = binding.value("roleRef", json::object());
  if (before != after) errors->Invalid(kube::FieldPath("roleRef"), after, "cannot change roleRef");
}

}  // namespace

bool IsRbacResource(const discovery::ResourceInfo& resource) {
  return !resource.IsCustom() && resource.group == kRbacGroup;
}

void ValidateRbacObject(const discovery::ResourceInfo& resource, const json& object,
                        const json* old, kube::ErrorList* errors) {
  if (!IsRbacResource(resource) || !object.is_object()) return;
  if (resource.kind == "Role" || resource.kind == "ClusterRole") {
    ValidateRules(object, resource.namespaced, errors);
  } else if (resource.kind == "RoleBinding" || resource.kind == "ClusterRoleBinding") {
    ValidateBinding(object, old, resource.namespaced, errors);
  }
}

}  // namespace flyover::apiserver
