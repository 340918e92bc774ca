// meta/v1 types shared by every kind, and the registry of built-in definitions.
#include <string>

#include "absl/strings/str_cat.h"
#include "apiserver/discovery/builtin_schemas.h"
#include "apiserver/discovery/schema_dsl.h"

namespace flyover::apiserver::discovery {

namespace dsl {

json Kind(const std::string& group, const std::string& version, const std::string& kind,
          const std::string& d, std::initializer_list<std::pair<const char*, json>> props,
          std::vector<std::string> required) {
  json schema = Object(d, props, std::move(required));
  schema["properties"]["apiVersion"] =
      Str("The versioned schema of this representation of an object, e.g. v1 or "
          "training.flyover.dev/v1alpha1.");
  schema["properties"]["kind"] =
      Str("The REST resource this object represents, in CamelCase, e.g. Pod.");
  schema["properties"]["metadata"] =
      Ref(absl::StrCat(kMeta, "ObjectMeta"), "Standard object metadata.");
  schema["x-kubernetes-group-version-kind"] =
      json::array({{{"group", group}, {"kind", kind}, {"version", version}}});
  return schema;
}

}  // namespace dsl

using dsl::ArrayOf;
using dsl::Bool;
using dsl::Free;
using dsl::Int64;
using dsl::json;
using dsl::kCore;
using dsl::kMeta;
using dsl::MergeList;
using dsl::Object;
using dsl::Ref;
using dsl::Str;
using dsl::StringMap;
using dsl::Time;

void AddMetaDefinitions(json* defs) {
  (*defs)[absl::StrCat(kMeta, "OwnerReference")] = Object(
      "An object that owns this one; it is garbage-collected when all its owners are gone.",
      {{"apiVersion", Str("API version of the owner.")},
       {"blockOwnerDeletion", Bool("If true, the owner cannot be deleted from the key-value "
                                   "store until this reference is removed.")},
       {"controller", Bool("If true, this reference points to the managing controller.")},
       {"kind", Str("Kind of the owner.")},
       {"name", Str("Name of the owner.")},
       {"uid", Str("UID of the owner.")}},
      {"apiVersion", "kind", "name", "uid"});
  (*defs)[absl::StrCat(kMeta, "ManagedFieldsEntry")] = Object(
      "The fields a manager set, and when (server-side apply bookkeeping).",
      {{"apiVersion", Str("Version of the fields' schema.")},
       {"fieldsType", Str("Format of fieldsV1; only FieldsV1.")},
       {"fieldsV1", Free("The set of fields, in FieldsV1 format.")},
       {"manager", Str("Identifier of the workflow managing these fields.")},
       {"operation", Str("Apply or Update.")},
       {"subresource", Str("The subresource written, if any.")},
       {"time", Time("When the fields were last changed.")}});
  (*defs)[absl::StrCat(kMeta, "ObjectMeta")] = Object(
      "Metadata that all persisted resources must have.",
      {{"annotations", StringMap("Unstructured key/value data set by tools; not queryable.")},
       {"creationTimestamp", Time("When the object was created, set by the server (RFC 3339).")},
       {"deletionGracePeriodSeconds", Int64("Seconds allowed for graceful termination.")},
       {"deletionTimestamp", Time("When the object will be deleted, set by the server.")},
       {"finalizers", MergeList({{"type", "string"}}, "", "Must be empty before the object is "
                                                          "deleted from the registry.")},
       {"generateName", Str("Prefix for a server-generated name, used when name is empty.")},
       {"generation", Int64("Sequence number of the desired state, set by the server.")},
       {"labels", StringMap("Key/value pairs used to organise and select objects.")},
       {"managedFields", ArrayOf(Ref(absl::StrCat(kMeta, "ManagedFieldsEntry"), ""),
                                 "Which manager set which fields.")},
       {"name", Str("Unique within a namespace; required when creating.")},
       {"namespace", Str("The namespace the object lives in; empty for cluster-scoped objects.")},
       {"ownerReferences", MergeList(Ref(absl::StrCat(kMeta, "OwnerReference"), ""), "uid",
                                     "Objects this object depends on.")},
       {"resourceVersion", Str("Opaque version for optimistic concurrency and watches.")},
       {"selfLink", Str("Deprecated; not set.")},
       {"uid", Str("Unique in time and space, set by the server.")}});
  (*defs)[absl::StrCat(kMeta, "ListMeta")] = Object(
      "Metadata of a list.",
      {{"continue", Str("Token to fetch the next page, if the list was truncated.")},
       {"remainingItemCount", Int64("Items left after this page, when known.")},
       {"resourceVersion", Str("The version of the list, for watches from this point.")},
       {"selfLink", Str("Deprecated; not set.")}});
}

const json& BuiltinDefinitions() {
  static const json* definitions = [] {
    auto* defs = new json(json::object());
    AddMetaDefinitions(defs);
    AddPodDefinitions(defs);
    AddClusterDefinitions(defs);
    AddRbacDefinitions(defs);
    return defs;
  }();
  return *definitions;
}

std::string BuiltinDefinitionName(absl::string_view group, absl::string_view kind) {
  std::string prefix;
  if (group.empty()) {
    prefix = kCore;
  } else if (group == "events.k8s.io") {
    prefix = "io.k8s.api.events.v1.";
  } else if (group == "coordination.k8s.io") {
    prefix = "io.k8s.api.coordination.v1.";
  } else if (group == "rbac.authorization.k8s.io") {
    prefix = "io.k8s.api.rbac.v1.";
  } else if (group == "apiextensions.k8s.io") {
    prefix = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.";
  } else {
    return "";
  }
  std::string name = absl::StrCat(prefix, kind);
  return BuiltinDefinitions().contains(name) ? name : "";
}

const json* BuiltinKindSchema(const ResourceInfo& resource) {
  if (resource.IsCustom()) return nullptr;
  const std::string name = BuiltinDefinitionName(resource.group, resource.kind);
  if (name.empty()) return nullptr;
  return &BuiltinDefinitions().at(name);
}

}  // namespace flyover::apiserver::discovery
