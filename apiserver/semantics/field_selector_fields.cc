// The per-resource field-label table of field_selector.h and the extraction of each
// label's value from an object's JSON, as the registries' ToSelectableFields do.
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "apiserver/semantics/field_selector.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// How a selectable field is read and printed.
enum class FieldType {
  kString,  // a string; absent -> ""
  kBool,    // "true"/"false"; absent -> "false"
  kInt,     // decimal; absent -> "0"
  kPodIP,   // status.podIPs[0].ip, else status.podIP
};

struct SelectableField {
  const char* label;
  const char* path;  // dotted JSON path in the object
  FieldType type;
};

struct ResourceFields {
  const char* group;
  const char* resource;
  std::vector<SelectableField> fields;
};

constexpr SelectableField kName{"metadata.name", "metadata.name", FieldType::kString};
constexpr SelectableField kNamespace{"metadata.namespace", "metadata.namespace",
                                     FieldType::kString};

const std::vector<ResourceFields>& CustomTables() {
  static const auto* const kTables = new std::vector<ResourceFields>{
      {"", "pods",
       {kName, kNamespace,
        {"spec.nodeName", "spec.nodeName", FieldType::kString},
        {"spec.restartPolicy", "spec.restartPolicy", FieldType::kString},
        {"spec.schedulerName", "spec.schedulerName", FieldType::kString},
        {"spec.serviceAccountName", "spec.serviceAccountName", FieldType::kString},
        {"spec.hostNetwork", "spec.hostNetwork", FieldType::kBool},
        {"status.phase", "status.phase", FieldType::kString},
        {"status.podIP", "status.podIP", FieldType::kPodIP},
        {"status.nominatedNodeName", "status.nominatedNodeName", FieldType::kString}}},
      {"", "nodes",
       {kName, {"spec.unschedulable", "spec.unschedulable", FieldType::kBool}}},
      {"", "namespaces", {kName, {"status.phase", "status.phase", FieldType::kString}}},
      {"", "events",
       {kName, kNamespace,
        {"involvedObject.kind", "involvedObject.kind", FieldType::kString},
        {"involvedObject.namespace", "involvedObject.namespace", FieldType::kString},
        {"involvedObject.name", "involvedObject.name", FieldType::kString},
        {"involvedObject.uid", "involvedObject.uid", FieldType::kString},
        {"involvedObject.apiVersion", "involvedObject.apiVersion", FieldType::kString},
        {"involvedObject.resourceVersion", "involvedObject.resourceVersion",
         FieldType::kString},
        {"involvedObject.fieldPath", "involvedObject.fieldPath", FieldType::kString},
        {"reason", "reason", FieldType::kString},
        {"reportingComponent", "reportingComponent", FieldType::kString},
        {"source", "source.component", FieldType::kString},
        {"type", "type", FieldType::kString}}},
      {"", "secrets", {kName, kNamespace, {"type", "type", FieldType::kString}}},
      {"", "services",
       {kName, kNamespace,
        {"spec.clusterIP", "spec.clusterIP", FieldType::kString},
        {"spec.type", "spec.type", FieldType::kString}}},
      {"", "replicationcontrollers",
       {kName, kNamespace, {"status.replicas", "status.replicas", FieldType::kInt}}},
      {"apps", "replicasets",
       {kName, kNamespace, {"status.replicas", "status.replicas", FieldType::kInt}}},
      {"batch", "jobs",
       {kName, kNamespace, {"status.successful", "status.succeeded", FieldType::kInt}}},
      {"certificates.k8s.io", "certificatesigningrequests",
       {kName, {"spec.signerName", "spec.signerName", FieldType::kString}}},
  };
  return *kTables;
}

const std::vector<SelectableField>& DefaultFields() {
  static const auto* const kFields = new std::vector<SelectableField>{kName, kNamespace};
  return *kFields;
}

const ResourceFields* CustomTable(const GroupResource& resource) {
  for (const ResourceFields& table : CustomTables()) {
    if (resource.group == table.group && resource.resource == table.resource) return &table;
  }
  return nullptr;
}

const std::vector<SelectableField>& FieldsOf(const GroupResource& resource) {
  const ResourceFields* table = CustomTable(resource);
  return table != nullptr ? table->fields : DefaultFields();
}

const json* Find(const json& object, absl::string_view dotted_path) {
  const json* at = &object;
  for (absl::string_view part : absl::StrSplit(dotted_path, '.')) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(std::string(part));
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

std::string PodIP(const json& object) {
  const json* ips = Find(object, "status.podIPs");
  if (ips != nullptr && ips->is_array() && !ips->empty() && (*ips)[0].is_object()) {
    auto ip = (*ips)[0].find("ip");
    if (ip != (*ips)[0].end() && ip->is_string()) return ip->get<std::string>();
  }
  const json* ip = Find(object, "status.podIP");
  return ip != nullptr && ip->is_string() ? ip->get<std::string>() : std::string();
}

std::string ReadField(const json& object, const SelectableField& field) {
  if (field.type == FieldType::kPodIP) return PodIP(object);
  const json* value = Find(object, field.path);
  switch (field.type) {
    case FieldType::kBool:
      return value != nullptr && value->is_boolean() && value->get<bool>() ? "true" : "false";
    case FieldType::kInt:
      return value != nullptr && value->is_number_integer()
                 ? absl::StrCat(value->get<int64_t>())
                 : std::string("0");
    default:
      return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
  }
}

}  // namespace

std::vector<std::string> SupportedFieldLabels(const GroupResource& resource) {
  std::vector<std::string> labels;
  for (const SelectableField& field : FieldsOf(resource)) labels.push_back(field.label);
  return labels;
}

std::optional<std::string> SelectableFieldValue(const json& object,
                                                const GroupResource& resource,
                                                absl::string_view label) {
  for (const SelectableField& field : FieldsOf(resource)) {
    if (label == field.label) return ReadField(object, field);
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ConvertFieldLabel(const GroupResource& resource,
                                              absl::string_view label) {
  const ResourceFields* table = CustomTable(resource);
  if (table != nullptr && resource.resource == "pods" && label == "spec.host") {
    return std::string("spec.nodeName");
  }
  for (const SelectableField& field : FieldsOf(resource)) {
    if (label == field.label) return std::string(label);
  }
  if (table != nullptr) {
    return ToAbslStatus(BadRequestStatus(absl::StrCat("field label not supported: ", label)));
  }
  return ToAbslStatus(BadRequestStatus(absl::StrCat(
      "\"", label, "\" is not a known field selector: only \"metadata.name\", "
      "\"metadata.namespace\"")));
}

}  // namespace flyover::apiserver
