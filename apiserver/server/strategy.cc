#include "apiserver/server/strategy.h"

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/field_manager.h"
#include "apiserver/server/apply_schema.h"
#include "apiserver/server/crd_admission.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/rbac_admission.h"
#include "common/status.h"
#include "kube/api/meta.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// The ObjectMeta fields the server keeps; anything else in metadata is dropped, as the
// server's decoder drops fields its types do not have.
const std::set<std::string>& KnownMetadataFields() {
  static const auto* fields = new std::set<std::string>{"name",
                                                        "generateName",
                                                        "namespace",
                                                        "uid",
                                                        "resourceVersion",
                                                        "generation",
                                                        "creationTimestamp",
                                                        "deletionTimestamp",
                                                        "deletionGracePeriodSeconds",
                                                        "labels",
                                                        "annotations",
                                                        "ownerReferences",
                                                        "finalizers",
                                                        "managedFields"};
  return *fields;
}

absl::Status CheckTypeMeta(const discovery::ResourceInfo& resource, json& object) {
  const std::string api_version = resource.GroupVersion();
  auto given = object.find("apiVersion");
  if (given == object.end() || given->is_null() || *given == "") {
    object["apiVersion"] = api_version;
  } else if (*given != api_version) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat(
        "the API version in the data (", given->is_string() ? given->get<std::string>() : "?",
        ") does not match the expected API version (", api_version, ")")));
  }
  auto kind = object.find("kind");
  if (kind == object.end() || kind->is_null() || *kind == "") {
    object["kind"] = resource.kind;
  } else if (*kind != resource.kind) {
    return ToAbslStatus(BadRequestStatus(
        absl::StrCat("the kind in the data (", kind->is_string() ? kind->get<std::string>() : "?",
                     ") does not match the expected kind (", resource.kind, ")")));
  }
  json& meta = Metadata(object);
  for (auto it = meta.begin(); it != meta.end();) {
    it = KnownMetadataFields().count(it.key()) ? std::next(it) : meta.erase(it);
  }
  return absl::OkStatus();
}

kube::NameFormat NameFormatOf(const discovery::ResourceInfo& resource) {
  const bool label = (resource.group.empty() &&
                      (resource.plural == "namespaces" || resource.plural == "services")) ||
                     IsPostTrainingJob(resource);
  return label ? kube::NameFormat::kDns1123Label : kube::NameFormat::kDns1123Subdomain;
}

void ValidateMetadata(const discovery::ResourceInfo& resource, const json& object,
                      kube::ErrorList* errors) {
  const kube::FieldPath path("metadata");
  kube::ObjectMeta meta;
  kube::ReadValue(object.at("metadata"), path, errors, &meta);
  kube::ValidateObjectMeta(meta, resource.namespaced, NameFormatOf(resource), path, errors);
}

void ResetCreateStatus(const discovery::ResourceInfo& resource, json& object) {
  if (resource.IsCustom()) {
    if (HasStatusSubresource(resource)) object.erase("status");
  } else if (resource.group.empty() && resource.plural == "pods") {
    object["status"] = {{"phase", "Pending"}};
  } else if (IsNamespaceResource(resource)) {
    object["spec"] = {{"finalizers", {"kubernetes"}}};
    object["status"] = {{"phase", "Active"}};
  }
}

// Admission of the kind (custom resources, CRDs) and metadata; 422 with every error.
absl::Status ValidateObject(const AdmissionContext& context, json& object, const json* old) {
  const discovery::ResourceInfo& resource = *context.resource;
  kube::ErrorList errors;
  ValidateMetadata(resource, object, &errors);
  if (resource.IsCustom()) {
    std::vector<std::string> ignored;
    RETURN_IF_ERROR(AdmitCustomResource(resource, object, old, context.field_validation, &errors,
                                        context.warnings ? context.warnings : &ignored));
  }
  ValidateRbacObject(resource, object, old, &errors);
  if (IsCrdResource(resource)) {
    ValidateCrd(object, *context.registry, &errors);
    if (errors.empty()) SetCrdStatus(object, old, context.now);
  }
  if (errors.empty()) return absl::OkStatus();
  return ToAbslStatus(InvalidStatus(ToGroupKind(resource), MetaString(object, "name"), errors));
}

json WithoutMetaAndStatus(const json& object) {
  json rest = object;
  rest.erase("metadata");
  rest.erase("status");
  return rest;
}

void KeepServerFields(const json& current, json& updated) {
  const json& old_meta = current.at("metadata");
  json& meta = Metadata(updated);
  for (const char* field : {"uid", "creationTimestamp", "generation", "deletionTimestamp",
                            "deletionGracePeriodSeconds"}) {
    auto it = old_meta.find(field);
    if (it == old_meta.end()) {
      meta.erase(field);
    } else {
      meta[field] = *it;
    }
  }
}

absl::Status CheckNoNewFinalizers(const discovery::ResourceInfo& resource, const json& current,
                                  const json& updated) {
  if (!HasDeletionTimestamp(current)) return absl::OkStatus();
  const std::vector<std::string> before = Finalizers(current);
  std::vector<std::string> added;
  for (const std::string& finalizer : Finalizers(updated)) {
    if (std::find(before.begin(), before.end(), finalizer) == before.end()) {
      added.push_back(absl::StrCat("\"", finalizer, "\""));
    }
  }
  if (added.empty()) return absl::OkStatus();
  kube::ErrorList errors;
  errors.Forbidden(kube::FieldPath("metadata").Child("finalizers"),
                   absl::StrCat("no new finalizers can be added if the object is being deleted, "
                                "found new finalizers []string{",
                                absl::StrJoin(added, ", "), "}"));
  return ToAbslStatus(InvalidStatus(ToGroupKind(resource), MetaString(current, "name"), errors));
}

absl::Status CheckUid(const json& current, const json& updated) {
  const std::string want = MetaString(updated, "uid");
  const std::string have = MetaString(current, "uid");
  if (want.empty() || want == have) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("Precondition failed: UID in precondition: ", want,
                                         ", UID in object meta: ", have));
}

// Records the write in metadata.managedFields (field_manager.h).
absl::Status TrackFields(const AdmissionContext& context, const json& live, json& object,
                         absl::string_view subresource) {
  const discovery::ResourceInfo& resource = *context.resource;
  const std::unique_ptr<FieldSchema> schema = FieldSchemaFor(resource);
  const FieldManagerRequest request = FieldManagerRequestFor(
      resource, subresource, context.field_manager, context.now, schema.get());
  kube::ErrorList errors;
  RETURN_IF_ERROR(RecordUpdate(live, object, request, &errors));
  if (errors.empty()) return absl::OkStatus();
  return ToAbslStatus(InvalidStatus(ToGroupKind(resource), MetaString(object, "name"), errors));
}

// The status subresource keeps the stored object but for status and managedFields.
json StatusUpdate(const json& current, const json& updated) {
  json result = current;
  if (updated.contains("status")) {
    result["status"] = updated.at("status");
  } else {
    result.erase("status");
  }
  const json* fields = updated.contains("metadata") && updated.at("metadata").is_object() &&
                               updated.at("metadata").contains("managedFields")
                           ? &updated.at("metadata").at("managedFields")
                           : nullptr;
  if (fields != nullptr) {
    Metadata(result)["managedFields"] = *fields;
  } else {
    Metadata(result).erase("managedFields");
  }
  return result;
}

}  // namespace

bool HasStatusSubresource(const discovery::ResourceInfo& resource) {
  return std::any_of(resource.subresources.begin(), resource.subresources.end(),
                     [](const discovery::Subresource& s) { return s.name == "status"; });
}

bool IsCrdResource(const discovery::ResourceInfo& resource) {
  return resource.group == "apiextensions.k8s.io" && resource.plural == "customresourcedefinitions";
}

bool IsNamespaceResource(const discovery::ResourceInfo& resource) {
  return resource.group.empty() && resource.plural == "namespaces";
}

absl::Status AdmitCreate(const AdmissionContext& context, json& object) {
  const discovery::ResourceInfo& resource = *context.resource;
  RETURN_IF_ERROR(CheckTypeMeta(resource, object));
  json& meta = Metadata(object);
  meta["uid"] = NewUid();
  meta["creationTimestamp"] = Timestamp(context.now);
  meta["generation"] = 1;
  for (const char* field : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    meta.erase(field);
  }
  ResetCreateStatus(resource, object);
  RETURN_IF_ERROR(ValidateObject(context, object, nullptr));
  return TrackFields(context, json::object(), object, "");
}

absl::Status AdmitUpdate(const AdmissionContext& context, const json& current, json& updated,
                         absl::string_view subresource) {
  const discovery::ResourceInfo& resource = *context.resource;
  RETURN_IF_ERROR(CheckTypeMeta(resource, updated));
  RETURN_IF_ERROR(CheckUid(current, updated));
  if (subresource == "status") {
    updated = StatusUpdate(current, updated);
  } else {
    if (HasStatusSubresource(resource)) {
      if (current.contains("status")) {
        updated["status"] = current["status"];
      } else {
        updated.erase("status");
      }
    }
    if (IsNamespaceResource(resource)) updated["spec"] = current.value("spec", json::object());
    RETURN_IF_ERROR(CheckNoNewFinalizers(resource, current, updated));
  }
  KeepServerFields(current, updated);
  if (subresource.empty() && WithoutMetaAndStatus(current) != WithoutMetaAndStatus(updated)) {
    Metadata(updated)["generation"] = current.at("metadata").value("generation", int64_t{0}) + 1;
  }
  RETURN_IF_ERROR(ValidateObject(context, updated, &current));
  return TrackFields(context, current, updated, subresource);
}

bool ReadyToRemove(const discovery::ResourceInfo& resource, const json& object) {
  if (!Finalizers(object).empty()) return false;
  if (!IsNamespaceResource(resource)) return true;
  const json spec_finalizers = object.value(json::json_pointer("/spec/finalizers"), json::array());
  return !spec_finalizers.is_array() || spec_finalizers.empty();
}

}  // namespace flyover::apiserver
