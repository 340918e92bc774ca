#include "apiserver/semantics/field_manager.h"

#include <utility>
#include <vector>

#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/semantics/field_conflict.h"
#include "apiserver/semantics/structured_merge.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

// Paths no manager owns (exact paths: fields below them, such as labels, are owned).
const FieldSet& NeverOwned() {
  static const FieldSet* const kSet = [] {
    auto* set = new FieldSet;
    set->Insert({FieldElement("apiVersion")});
    set->Insert({FieldElement("kind")});
    set->Insert({FieldElement("metadata")});
    for (const char* field : {"name", "namespace", "uid", "resourceVersion", "generation",
                              "creationTimestamp", "selfLink", "managedFields"}) {
      set->Insert({FieldElement("metadata"), FieldElement(field)});
    }
    return set;
  }();
  return *kSet;
}

// The part of `object` a write may own: no managedFields, and narrowed by `tracked`.
json Tracked(const json& object, TrackedFields tracked) {
  json out = object.is_object() ? object : json::object();
  if (auto meta = out.find("metadata"); meta != out.end() && meta->is_object()) {
    meta->erase("managedFields");
  }
  if (tracked == TrackedFields::kAllButStatus) out.erase("status");
  if (tracked == TrackedFields::kStatusOnly) {
    json status_only = json::object();
    if (out.contains("status")) status_only["status"] = out["status"];
    return status_only;
  }
  return out;
}

ManagedFields LiveManagers(const json& live) {
  kube::ErrorList errors;
  ManagedFields managers = DecodeManagedFields(live, &errors);
  if (!errors.empty()) managers.clear();  // undecodable stored fields are reset, as kube does
  return managers;
}

ManagedFieldsEntry& EntryFor(ManagedFields& managers, ManagedFieldsEntry wanted, bool* created) {
  *created = false;
  if (ManagedFieldsEntry* entry = FindManager(managers, wanted)) return *entry;
  *created = true;
  managers.push_back(std::move(wanted));
  return managers.back();
}

FieldSet OwnedByAnyone(const ManagedFields& managers) {
  FieldSet owned;
  for (const ManagedFieldsEntry& entry : managers) owned = owned.Union(entry.fields);
  return owned;
}

// Removes what the applier dropped and nobody owns; then the objects and lists this left
// empty, up to the first one somebody owns something in.
void PruneDropped(json& merged, const FieldSet& last, const FieldSet& owned) {
  FieldSet remove;
  for (const FieldPath& path : last.Members()) {
    if (!owned.HasAtOrBelow(path)) remove.Insert(path);
  }
  RemoveFields(merged, remove);
  for (const FieldPath& path : remove.Members()) {
    if (path.empty()) continue;
    for (size_t length = path.size() - 1; length > 0; --length) {
      const FieldPath parent(path.begin(), path.begin() + length);
      const json* value = ValueAt(merged, parent);
      if (parent.back().rfind("f:", 0) != 0 || value == nullptr ||
          !(value->is_object() || value->is_array()) || !value->empty() ||
          owned.HasAtOrBelow(parent) || NeverOwned().Has(parent)) {
        break;
      }
      FieldSet empty_parent;
      empty_parent.Insert(parent);
      RemoveFields(merged, empty_parent);
    }
  }
}

// Conflicts of `changed` with every manager but `self`; with `force` they move to `self`.
absl::Status TakeChanged(ManagedFields& managers, const ManagedFieldsEntry& self,
                         const FieldSet& changed, bool force) {
  std::vector<FieldConflict> conflicts;
  for (ManagedFieldsEntry& entry : managers) {
    if (entry.SameManager(self)) continue;
    const FieldSet overlap = entry.fields.Intersection(changed);
    if (overlap.Empty()) continue;
    for (FieldPath& path : overlap.Members()) conflicts.push_back({entry.Describe(), path});
    if (force) entry.fields = entry.fields.Difference(overlap);
  }
  if (conflicts.empty() || force) return absl::OkStatus();
  return ToAbslStatus(ApplyConflictStatus(std::move(conflicts)));
}

void DropRemoved(ManagedFields& managers, const FieldSet& removed) {
  for (ManagedFieldsEntry& entry : managers) entry.fields = entry.fields.Difference(removed);
}

ManagedFieldsEntry NewEntry(const FieldManagerRequest& request, ManagedOperation operation) {
  ManagedFieldsEntry entry;
  entry.manager = request.manager;
  entry.operation = operation;
  entry.api_version = request.api_version;
  entry.subresource = request.subresource;
  return entry;
}

}  // namespace

absl::StatusOr<json> ServerSideApply(const json& live, const json& config,
                                     const FieldManagerRequest& request, bool force) {
  const json* config_fields =
      ValueAt(config, {FieldElement("metadata"), FieldElement("managedFields")});
  if (config_fields != nullptr && !config_fields->is_null()) {
    return ToAbslStatus(BadRequestStatus("metadata.managedFields must be nil"));
  }
  const FieldSchema& schema = *request.schema;
  const json applied = Tracked(WithoutNulls(config), request.tracked);
  ASSIGN_OR_RETURN(FieldSet applied_fields, AppliedFieldsOf(applied, schema));
  ManagedFields managers = LiveManagers(live);
  json merged = Tracked(live, TrackedFields::kAll);
  ASSIGN_OR_RETURN(merged, MergeApplied(merged, applied, schema));

  bool created = false;
  ManagedFieldsEntry& self =
      EntryFor(managers, NewEntry(request, ManagedOperation::kApply), &created);
  const FieldSet last = self.fields;
  self.fields = applied_fields.Difference(NeverOwned());
  const ManagedFieldsEntry self_id = self;
  PruneDropped(merged, last.Difference(self.fields), OwnedByAnyone(managers));

  const json before = Tracked(live, request.tracked);
  const json after = Tracked(merged, request.tracked);
  ASSIGN_OR_RETURN(Comparison changes, Compare(before, after, schema));
  RETURN_IF_ERROR(
      TakeChanged(managers, self_id, changes.added.Union(changes.modified), force));
  DropRemoved(managers, changes.removed);
  ManagedFieldsEntry* entry = FindManager(managers, self_id);
  if (created || !changes.Empty() || entry->fields != last) entry->time = request.time;
  EncodeManagedFields(std::move(managers), merged);
  // An explicit empty list: the write's own managed fields, not "keep the stored ones".
  json& meta = merged["metadata"];
  if (!meta.contains("managedFields")) meta["managedFields"] = json::array();
  return merged;
}

absl::Status RecordUpdate(const json& live, json& updated, const FieldManagerRequest& request,
                          kube::ErrorList* errors) {
  const size_t errors_before = errors->size();
  ManagedFields managers = DecodeManagedFields(updated, errors);
  if (errors->size() != errors_before) return absl::OkStatus();
  // Unattributed writes keep what they carry (an apply's result, possibly []); attributed
  // ones replace the stored fields only with a non-empty list, as kube-apiserver does.
  const json* sent = ValueAt(updated, {FieldElement("metadata"), FieldElement("managedFields")});
  const bool keep_sent =
      request.manager.empty() ? sent != nullptr && sent->is_array() : !managers.empty();
  if (!keep_sent) managers = LiveManagers(live);
  if (request.manager.empty()) {
    EncodeManagedFields(std::move(managers), updated);
    return absl::OkStatus();
  }
  absl::StatusOr<Comparison> compared = Compare(
      Tracked(live, request.tracked), Tracked(updated, request.tracked), *request.schema);
  if (!compared.ok()) {
    // Lists the schema cannot key (an element without its key): admission decides about
    // the object; ownership is left as it was.
    EncodeManagedFields(std::move(managers), updated);
    return absl::OkStatus();
  }
  const Comparison& changes = *compared;
  const FieldSet changed = changes.added.Union(changes.modified);
  bool created = false;
  const ManagedFieldsEntry self_id = NewEntry(request, ManagedOperation::kUpdate);
  EntryFor(managers, self_id, &created);
  RETURN_IF_ERROR(TakeChanged(managers, self_id, changed, /*force=*/true));
  DropRemoved(managers, changes.removed);
  ManagedFieldsEntry* self = FindManager(managers, self_id);
  const FieldSet before = self->fields;
  self->fields = before.Union(changed).Difference(NeverOwned());
  if (created || self->fields != before) self->time = request.time;
  EncodeManagedFields(std::move(managers), updated);
  return absl::OkStatus();
}

}  // namespace flyover::apiserver
