#include "apiserver/semantics/managed_fields.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr size_t kMaxManagerLength = 128;

const char* OperationName(ManagedOperation operation) {
  return operation == ManagedOperation::kApply ? "Apply" : "Update";
}

std::string StringMember(const json& entry, const char* name) {
  auto it = entry.find(name);
  return it != entry.end() && it->is_string() ? it->get<std::string>() : "";
}

void DecodeEntry(const json& entry, const kube::FieldPath& path, ManagedFields* out,
                 kube::ErrorList* errors) {
  if (!entry.is_object()) {
    errors->Invalid(path, entry, "must be an object");
    return;
  }
  ManagedFieldsEntry decoded;
  decoded.manager = StringMember(entry, "manager");
  decoded.api_version = StringMember(entry, "apiVersion");
  decoded.time = StringMember(entry, "time");
  decoded.subresource = StringMember(entry, "subresource");
  const std::string operation = StringMember(entry, "operation");
  if (operation == "Apply") {
    decoded.operation = ManagedOperation::kApply;
  } else if (operation != "Update") {
    errors->Invalid(path.Child("operation"), entry.value("operation", json()),
                    "must be `Apply` or `Update`");
  }
  const std::string type = StringMember(entry, "fieldsType");
  if (!type.empty() && type != "FieldsV1") {
    errors->Invalid(path.Child("fieldsType"), type, "must be `FieldsV1`");
  }
  if (decoded.manager.size() > kMaxManagerLength) {
    errors->TooLong(path.Child("manager"), kMaxManagerLength);
  }
  auto fields = entry.find("fieldsV1");
  if (fields != entry.end() && !fields->is_null()) {
    absl::StatusOr<FieldSet> set = FieldSet::FromFieldsV1(*fields);
    if (!set.ok()) {
      errors->Invalid(path.Child("fieldsV1"), *fields, set.status().message());
    } else {
      decoded.fields = *std::move(set);
    }
  }
  out->push_back(std::move(decoded));
}

json EncodeEntry(const ManagedFieldsEntry& entry) {
  json out = {{"manager", entry.manager},
              {"operation", OperationName(entry.operation)},
              {"apiVersion", entry.api_version}};
  if (!entry.time.empty()) out["time"] = entry.time;
  out["fieldsType"] = "FieldsV1";
  out["fieldsV1"] = entry.fields.ToFieldsV1();
  if (!entry.subresource.empty()) out["subresource"] = entry.subresource;
  return out;
}

}  // namespace

bool ManagedFieldsEntry::SameManager(const ManagedFieldsEntry& other) const {
  if (manager != other.manager || operation != other.operation ||
      subresource != other.subresource) {
    return false;
  }
  return operation == ManagedOperation::kApply || api_version == other.api_version;
}

std::string ManagedFieldsEntry::Describe() const {
  std::string out = absl::StrCat("\"", manager, "\"");
  if (!subresource.empty()) absl::StrAppend(&out, " with subresource \"", subresource, "\"");
  if (operation == ManagedOperation::kUpdate) absl::StrAppend(&out, " using ", api_version);
  return out;
}

ManagedFields DecodeManagedFields(const json& object, kube::ErrorList* errors) {
  ManagedFields out;
  const kube::FieldPath path = kube::FieldPath("metadata").Child("managedFields");
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto list = meta->find("managedFields");
  if (list == meta->end() || list->is_null()) return out;
  if (!list->is_array()) {
    errors->Invalid(path, *list, "must be a list");
    return out;
  }
  for (size_t i = 0; i < list->size(); ++i) DecodeEntry((*list)[i], path.Index(i), &out, errors);
  return out;
}

void EncodeManagedFields(ManagedFields managed, json& object) {
  std::erase_if(managed, [](const ManagedFieldsEntry& entry) { return entry.fields.Empty(); });
  std::stable_sort(managed.begin(), managed.end(),
                   [](const ManagedFieldsEntry& a, const ManagedFieldsEntry& b) {
                     return std::tie(a.operation, a.time, a.manager, a.api_version,
                                     a.subresource) < std::tie(b.operation, b.time, b.manager,
                                                               b.api_version, b.subresource);
                   });
  json& meta = object["metadata"];
  if (managed.empty()) {
    if (meta.is_object()) meta.erase("managedFields");
    return;
  }
  json list = json::array();
  for (const ManagedFieldsEntry& entry : managed) list.push_back(EncodeEntry(entry));
  meta["managedFields"] = std::move(list);
}

ManagedFieldsEntry* FindManager(ManagedFields& managed, const ManagedFieldsEntry& manager) {
  for (ManagedFieldsEntry& entry : managed) {
    if (entry.SameManager(manager)) return &entry;
  }
  return nullptr;
}

}  // namespace flyover::apiserver
