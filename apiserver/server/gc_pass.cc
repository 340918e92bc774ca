#include "apiserver/server/gc_pass.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_split.h"
#include "apiserver/discovery/crd_resources.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/strategy.h"
#include "common/log.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

const json& OwnerReferences(const json& object) {
  static const json* empty = new json(json::array());
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return *empty;
  auto refs = meta->find("ownerReferences");
  return refs != meta->end() && refs->is_array() ? *refs : *empty;
}

std::string GcStringField(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool HasFinalizer(const json& object, absl::string_view finalizer) {
  const std::vector<std::string> finalizers = Finalizers(object);
  return std::find(finalizers.begin(), finalizers.end(), finalizer) != finalizers.end();
}

}  // namespace

absl::Status GcPass::Run() {
  snapshot_ = objects_->registry()->Snapshot();
  if (absl::Status loaded = Load(); !loaded.ok()) return loaded;
  for (const Entry& entry : entries_) {
    if (HasDeletionTimestamp(entry.object)) {
      FinishDeletion(entry);
    } else {
      CollectDangling(entry);
    }
  }
  return first_error_;
}

absl::Status GcPass::Load() {
  std::set<std::string> seen;
  for (const discovery::ResourceInfo& resource : snapshot_->registry().resources()) {
    if (!seen.insert(StorageResource(resource)).second) continue;
    absl::StatusOr<ListResult> list = objects_->List(resource, "", {});
    if (!list.ok()) return list.status();
    for (json& object : list->items) {
      Entry entry{&resource, std::move(object), "", "", ""};
      entry.uid = MetaString(entry.object, "uid");
      entry.namespace_ = MetaString(entry.object, "namespace");
      entry.name = MetaString(entry.object, "name");
      uids_.insert(entry.uid);
      entries_.push_back(std::move(entry));
    }
  }
  return absl::OkStatus();
}

void GcPass::CollectDangling(const Entry& entry) {
  const json& references = OwnerReferences(entry.object);
  if (references.empty()) return;
  absl::flat_hash_set<std::string> gone;
  int alive = 0;
  for (const json& reference : references) {
    if (!reference.is_object()) continue;
    const std::string uid = GcStringField(reference, "uid");
    if (uids_.contains(uid) || OwnerExists(reference, entry.namespace_)) {
      ++alive;
    } else {
      gone.insert(uid);
    }
  }
  if (gone.empty()) return;
  if (alive == 0) {
    DeleteObject(entry);
  } else {
    DropOwnerReferences(entry, gone);
  }
}

void GcPass::FinishDeletion(const Entry& entry) {
  if (HasFinalizer(entry.object, kOrphanFinalizer)) {
    for (const Entry* dependent : DependentsOf(entry.uid)) {
      DropOwnerReferences(*dependent, {entry.uid});
    }
    RemoveFinalizer(entry, kOrphanFinalizer);
  }
  if (HasFinalizer(entry.object, kForegroundFinalizer)) {
    const std::vector<const Entry*> dependents = DependentsOf(entry.uid);
    if (dependents.empty()) RemoveFinalizer(entry, kForegroundFinalizer);
    for (const Entry* dependent : dependents) {
      if (!HasDeletionTimestamp(dependent->object)) DeleteObject(*dependent);
    }
  }
  if (IsNamespaceResource(*entry.resource)) TerminateNamespace(entry);
  if (IsCrdResource(*entry.resource) && HasFinalizer(entry.object, kCrdCleanupFinalizer)) {
    CleanUpCrd(entry);
  }
}

void GcPass::TerminateNamespace(const Entry& ns) {
  bool empty = true;
  for (const Entry& entry : entries_) {
    if (!entry.resource->namespaced || entry.namespace_ != ns.name) continue;
    empty = false;
    if (!HasDeletionTimestamp(entry.object)) DeleteObject(entry);
  }
  if (empty) RemoveFinalizer(ns, "kubernetes");
}

void GcPass::CleanUpCrd(const Entry& crd) {
  absl::StatusOr<std::vector<discovery::ResourceInfo>> served =
      discovery::ResourcesFromCrd(crd.object);
  if (!served.ok() || served->empty()) {
    RemoveFinalizer(crd, kCrdCleanupFinalizer);
    return;
  }
  const discovery::ResourceInfo& resource = served->front();
  absl::StatusOr<ListResult> list = objects_->List(resource, "", {});
  if (!list.ok()) return Note(list.status());
  if (list->items.empty()) return RemoveFinalizer(crd, kCrdCleanupFinalizer);
  for (json& object : list->items) {
    Entry entry{&resource, std::move(object), "", "", ""};
    entry.namespace_ = MetaString(entry.object, "namespace");
    entry.name = MetaString(entry.object, "name");
    if (!HasDeletionTimestamp(entry.object)) DeleteObject(entry);
  }
}

std::vector<const GcPass::Entry*> GcPass::DependentsOf(const std::string& owner_uid) const {
  std::vector<const Entry*> out;
  for (const Entry& entry : entries_) {
    for (const json& reference : OwnerReferences(entry.object)) {
      if (reference.is_object() && GcStringField(reference, "uid") == owner_uid) {
        out.push_back(&entry);
        break;
      }
    }
  }
  return out;
}

bool GcPass::OwnerExists(const json& reference, const std::string& namespace_) const {
  const std::vector<std::string> group_version =
      absl::StrSplit(GcStringField(reference, "apiVersion"), '/');
  const std::string group = group_version.size() == 2 ? group_version[0] : "";
  const std::string version = group_version.back();
  const discovery::ResourceInfo* resource =
      snapshot_->registry().FindByKind(group, version, GcStringField(reference, "kind"));
  if (resource == nullptr) return true;  // a kind we do not serve: leave it alone
  absl::StatusOr<json> owner = objects_->Get(*resource, resource->namespaced ? namespace_ : "",
                                             GcStringField(reference, "name"));
  if (absl::IsNotFound(owner.status())) return false;
  return !owner.ok() || MetaString(*owner, "uid") == GcStringField(reference, "uid");
}

void GcPass::DeleteObject(const Entry& entry) {
  DeleteOptions options;
  options.propagation_policy = "Background";
  absl::StatusOr<DeleteResult> result =
      objects_->Delete(*entry.resource, entry.namespace_, entry.name, options);
  if (!absl::IsNotFound(result.status())) Note(result.status());
}

void GcPass::DropOwnerReferences(const Entry& entry, const absl::flat_hash_set<std::string>& uids) {
  auto drop = [&uids](const json& current) -> absl::StatusOr<json> {
    json updated = current;
    json& references = Metadata(updated)["ownerReferences"];
    if (!references.is_array()) return updated;
    EraseIf(references, [&uids](const json& reference) {
      return reference.is_object() && uids.contains(GcStringField(reference, "uid"));
    });
    if (references.empty()) updated["metadata"].erase("ownerReferences");
    return updated;
  };
  WriteOptions options;
  options.field_validation = FieldValidation::kIgnore;
  absl::StatusOr<WriteResult> result =
      objects_->Update(*entry.resource, entry.namespace_, entry.name, "", drop, options);
  if (!absl::IsNotFound(result.status())) Note(result.status());
}

void GcPass::RemoveFinalizer(const Entry& entry, const std::string& finalizer) {
  absl::Status status =
      objects_->RemoveFinalizer(*entry.resource, entry.namespace_, entry.name, finalizer);
  if (!absl::IsNotFound(status)) Note(status);
}

void GcPass::Note(const absl::Status& status) {
  if (status.ok()) return;
  log::Warn("garbage collection step failed", {{"error", status}});
  if (first_error_.ok()) first_error_ = status;
}

}  // namespace flyover::apiserver
