#include "apiserver/server/crd_admission.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/server/object_meta.h"

namespace flyover::apiserver {
namespace {

std::string StringAt(const nlohmann::json& object, const nlohmann::json::json_pointer& pointer) {
  if (!object.contains(pointer)) return "";
  const nlohmann::json& value = object.at(pointer);
  return value.is_string() ? value.get<std::string>() : "";
}

// "spec.names.plural: is required" -> field "spec.names.plural", detail "is required".
kube::FieldError RegistryError(const absl::Status& status) {
  const std::string message(status.message());
  const size_t colon = message.find(": ");
  if (colon == std::string::npos) {
    return {kube::FieldErrorType::kInvalid, "spec", nullptr, message};
  }
  return {kube::FieldErrorType::kInvalid, message.substr(0, colon), nullptr,
          message.substr(colon + 2)};
}

nlohmann::json Condition(const std::string& type, const std::string& reason,
                         const std::string& message, const nlohmann::json* old_status,
                         absl::Time now) {
  nlohmann::json condition = {{"type", type},
                              {"status", "True"},
                              {"reason", reason},
                              {"message", message},
                              {"lastTransitionTime", Timestamp(now)}};
  if (old_status == nullptr) return condition;
  auto conditions = old_status->find("conditions");
  if (conditions == old_status->end() || !conditions->is_array()) return condition;
  for (const nlohmann::json& previous : *conditions) {
    if (previous.is_object() && previous.value("type", "") == type &&
        previous.value("status", "") == "True" && previous.contains("lastTransitionTime")) {
      condition["lastTransitionTime"] = previous["lastTransitionTime"];
    }
  }
  return condition;
}

std::string StorageVersion(const nlohmann::json& crd) {
  const nlohmann::json versions =
      crd.value(nlohmann::json::json_pointer("/spec/versions"), nlohmann::json::array());
  for (const nlohmann::json& version : versions) {
    if (version.is_object() && version.value("storage", false) && version.contains("name") &&
        version["name"].is_string()) {
      return version["name"].get<std::string>();
    }
  }
  return "";
}

}  // namespace

std::string CrdStorageResource(const nlohmann::json& crd) {
  return absl::StrCat(StringAt(crd, nlohmann::json::json_pointer("/spec/names/plural")), ".",
                      StringAt(crd, nlohmann::json::json_pointer("/spec/group")));
}

void ValidateCrd(const nlohmann::json& crd, const RegistryState& registry,
                 kube::ErrorList* errors) {
  const std::string name = MetaString(crd, "name");
  const std::string expected = CrdStorageResource(crd);
  if (name != expected) {
    errors->Invalid(kube::FieldPath("metadata").Child("name"), name,
                    absl::StrCat("must be spec.names.plural+\".\"+spec.group"));
  }
  if (absl::Status status = registry.CheckCustomResource(crd); !status.ok()) {
    errors->Add(RegistryError(status));
  }
}

void SetCrdStatus(nlohmann::json& crd, const nlohmann::json* old, absl::Time now) {
  const nlohmann::json* old_status = nullptr;
  if (old != nullptr && old->contains("status") && (*old)["status"].is_object()) {
    old_status = &(*old)["status"];
  }
  nlohmann::json names =
      crd.value(nlohmann::json::json_pointer("/spec/names"), nlohmann::json::object());
  if (names.is_object()) {
    const std::string kind = names.value("kind", "");
    if (!names.contains("listKind") && !kind.empty()) names["listKind"] = kind + "List";
    if (!names.contains("singular") && !kind.empty()) {
      std::string singular = kind;
      for (char& c : singular) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      names["singular"] = singular;
    }
  }
  nlohmann::json stored = nlohmann::json::array();
  if (old_status != nullptr && old_status->contains("storedVersions") &&
      (*old_status)["storedVersions"].is_array()) {
    stored = (*old_status)["storedVersions"];
  }
  const std::string storage_version = StorageVersion(crd);
  if (!storage_version.empty() &&
      std::find(stored.begin(), stored.end(), storage_version) == stored.end()) {
    stored.push_back(storage_version);
  }
  crd["status"] = {
      {"conditions",
       {Condition("NamesAccepted", "NoConflicts", "no conflicts found", old_status, now),
        Condition("Established", "InitialNamesAccepted", "the initial names have been accepted",
                  old_status, now)}},
      {"acceptedNames", names},
      {"storedVersions", stored},
  };
}

}  // namespace flyover::apiserver
