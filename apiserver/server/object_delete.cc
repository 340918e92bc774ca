// ObjectService's deletion: immediate removal, or marking an object as being deleted until
// its finalizers are gone and its grace period is cut to 0 (deletion_plan.h decides which).
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/server/deletion_plan.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/object_service.h"
#include "apiserver/server/strategy.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

constexpr int kDeleteAttempts = 16;

absl::Status CheckPreconditions(const discovery::ResourceInfo& resource, absl::string_view name,
                                const DeleteOptions& options, const json& current,
                                int64_t revision) {
  const std::string uid = MetaString(current, "uid");
  if (!options.precondition_uid.empty() && options.precondition_uid != uid) {
    return ToAbslStatus(ConflictStatus(
        ToGroupResource(resource), name,
        absl::StrCat("Precondition failed: UID in precondition: ", options.precondition_uid,
                     ", UID in object meta: ", uid)));
  }
  if (options.precondition_revision && *options.precondition_revision != revision) {
    return ToAbslStatus(
        ConflictStatus(ToGroupResource(resource), name,
                       absl::StrCat("Precondition failed: ResourceVersion in precondition: ",
                                    *options.precondition_revision,
                                    ", ResourceVersion in object meta: ", revision)));
  }
  return absl::OkStatus();
}

// The finalizers a deletion adds: the propagation policy's, and the CRD cleanup.
std::vector<std::string> FinalizersToAdd(const discovery::ResourceInfo& resource,
                                         const DeleteOptions& options, const json& current) {
  std::vector<std::string> add;
  if (options.propagation_policy == "Orphan") add.push_back(kOrphanFinalizer);
  if (options.propagation_policy == "Foreground") add.push_back(kForegroundFinalizer);
  if (IsCrdResource(resource)) add.push_back(kCrdCleanupFinalizer);
  const std::vector<std::string> present = Finalizers(current);
  std::erase_if(add, [&present](const std::string& f) {
    return std::find(present.begin(), present.end(), f) != present.end();
  });
  return add;
}

bool IsSystemNamespace(absl::string_view name) {
  return name == "default" || name == "kube-system" || name == "kube-public" ||
         name == "kube-node-lease";
}

}  // namespace

absl::StatusOr<DeleteResult> ObjectService::Delete(const discovery::ResourceInfo& resource,
                                                   absl::string_view namespace_,
                                                   absl::string_view name,
                                                   const DeleteOptions& options) {
  if (IsNamespaceResource(resource) && IsSystemNamespace(name)) {
    return ToAbslStatus(
        ForbiddenStatus(ToGroupResource(resource), name, "this namespace may not be deleted"));
  }
  std::optional<absl::MutexLock> crd_lock;
  if (IsCrdResource(resource)) crd_lock.emplace(&crd_mu_);
  const storage::ObjectKey key = KeyFor(resource, namespace_, name);
  for (int attempt = 0; attempt < kDeleteAttempts; ++attempt) {
    absl::StatusOr<storage::StoredObject> stored = store_->Get(key);
    if (!stored.ok()) return StorageError(stored.status(), ToGroupResource(resource), name);
    ASSIGN_OR_RETURN(json current, Served(*stored));
    RETURN_IF_ERROR(CheckPreconditions(resource, name, options, current, stored->revision));
    DeletionPlan plan =
        PlanDeletion(resource, current, FinalizersToAdd(resource, options, current),
                     options.grace_period_seconds, clock_->Now());
    if (options.dry_run) {
      const bool removed = plan.step == DeletionStep::kRemove;
      return DeleteResult{plan.step == DeletionStep::kMark ? std::move(plan.object) : current,
                          removed};
    }
    absl::StatusOr<json> written;
    switch (plan.step) {
      case DeletionStep::kKeep:
        return DeleteResult{std::move(current), false};
      case DeletionStep::kMark:
        written = MarkDeleting(resource, key, std::move(plan.object), stored->revision);
        break;
      case DeletionStep::kRemove:
        written = Remove(resource, key, stored->revision);
        break;
    }
    if (absl::IsAborted(written.status())) continue;  // changed since read: look again
    if (!written.ok()) return StorageError(written.status(), ToGroupResource(resource), name);
    return DeleteResult{*std::move(written), plan.step == DeletionStep::kRemove};
  }
  return ToAbslStatus(ConflictStatus(ToGroupResource(resource), name, kOptimisticLockErrorMessage));
}

absl::StatusOr<json> ObjectService::MarkDeleting(const discovery::ResourceInfo& resource,
                                                 const storage::ObjectKey& key, json marked,
                                                 int64_t revision) {
  storage::Preconditions preconditions;
  preconditions.revision = revision;
  ASSIGN_OR_RETURN(storage::StoredObject stored,
                   store_->Update(key, ForStorage(std::move(marked)), preconditions));
  ASSIGN_OR_RETURN(json object, Served(stored));
  AfterWrite(resource, object);
  NotifyDelete();
  return object;
}

absl::Status ObjectService::RemoveFinalizer(const discovery::ResourceInfo& resource,
                                            absl::string_view namespace_, absl::string_view name,
                                            absl::string_view finalizer) {
  const bool spec_finalizer = IsNamespaceResource(resource) && finalizer == "kubernetes";
  auto drop = [&](const storage::StoredObject& stored) -> absl::StatusOr<std::string> {
    json object = json::parse(stored.value, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) return absl::DataLossError("stored object is not a JSON object");
    json* list = nullptr;
    if (spec_finalizer) {
      if (object.contains("spec") && object["spec"].is_object())
        list = &object["spec"]["finalizers"];
    } else {
      list = &Metadata(object)["finalizers"];
    }
    if (list == nullptr || !list->is_array()) return stored.value;
    EraseIf(*list, [&finalizer](const json& f) { return f == std::string(finalizer); });
    if (list->empty()) {
      (spec_finalizer ? object["spec"] : object["metadata"]).erase("finalizers");
    }
    return ForStorage(std::move(object));
  };
  const storage::ObjectKey key = KeyFor(resource, namespace_, name);
  absl::StatusOr<storage::StoredObject> stored = store_->GuaranteedUpdate(key, drop);
  if (!stored.ok()) return StorageError(stored.status(), ToGroupResource(resource), name);
  ASSIGN_OR_RETURN(json object, Served(*stored));
  if (HasDeletionTimestamp(object) && DeletionComplete(resource, object)) {
    absl::StatusOr<json> removed = Remove(resource, key, stored->revision);
    if (!removed.ok() && !absl::IsAborted(removed.status()) &&
        !absl::IsNotFound(removed.status())) {
      return removed.status();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ObjectService::Remove(const discovery::ResourceInfo& resource,
                                           const storage::ObjectKey& key, int64_t revision) {
  storage::Preconditions preconditions;
  preconditions.revision = revision;
  ASSIGN_OR_RETURN(storage::StoredObject removed, store_->Delete(key, preconditions));
  ASSIGN_OR_RETURN(json object, Served(removed));
  if (IsCrdResource(resource)) registry_->RemoveCustomResource(MetaString(object, "name"));
  NotifyDelete();
  return object;
}

}  // namespace flyover::apiserver
