#include "apiserver/server/object_service.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/semantics/api_status_builder.h"
#include "apiserver/server/builtin_fields.h"
#include "apiserver/server/deletion_plan.h"
#include "apiserver/server/object_meta.h"
#include "apiserver/server/strategy.h"
#include "apiserver/storage/continue_token.h"
#include "apiserver/storage/keys.h"
#include "common/log.h"
#include "common/status.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

absl::Status BadRequest(absl::string_view message) {
  return ToAbslStatus(BadRequestStatus(message));
}

// The request's namespace and name in `object`: filled in when absent, 400 when they differ.
absl::Status PlaceObject(const discovery::ResourceInfo& resource, absl::string_view namespace_,
                         absl::string_view name, json& object) {
  json& meta = Metadata(object);
  if (resource.namespaced) {
    const std::string given = MetaString(object, "namespace");
    if (given.empty()) {
      meta["namespace"] = namespace_;
    } else if (given != namespace_) {
      return BadRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
    }
  } else {
    meta.erase("namespace");
  }
  if (name.empty()) return absl::OkStatus();
  const std::string given = MetaString(object, "name");
  if (given.empty()) {
    meta["name"] = name;
  } else if (given != name) {
    return BadRequest(absl::StrCat("the name of the object (", given,
                                   ") does not match the name on the URL (", name, ")"));
  }
  return absl::OkStatus();
}

// The continue token that resumes a list after `last`, in the list's snapshot.
std::string ContinueAfter(const storage::ListOptions& options, int64_t revision,
                          const storage::ObjectKey& last) {
  const std::string prefix = storage::ScopePrefix(options.resource, options.namespace_);
  return storage::EncodeContinueToken({revision, storage::EncodeKey(last).substr(prefix.size())});
}

}  // namespace

ObjectService::ObjectService(storage::Store* store, RegistryState* registry, Clock* clock,
                             std::function<void()> on_delete)
    : store_(store), registry_(registry), clock_(clock), on_delete_(std::move(on_delete)) {}

absl::StatusOr<json> ObjectService::Get(const discovery::ResourceInfo& resource,
                                        absl::string_view namespace_, absl::string_view name) {
  absl::StatusOr<storage::StoredObject> stored = store_->Get(KeyFor(resource, namespace_, name));
  if (!stored.ok()) return StorageError(stored.status(), ToGroupResource(resource), name);
  return Served(*stored);
}

absl::StatusOr<ListResult> ObjectService::List(const discovery::ResourceInfo& resource,
                                               absl::string_view namespace_,
                                               const ListRequest& request) {
  ASSIGN_OR_RETURN(StoredListResult stored, ListStored(resource, namespace_, request));
  ListResult result;
  result.revision = stored.revision;
  result.continue_token = std::move(stored.continue_token);
  result.remaining_item_count = stored.remaining_item_count;
  result.items.reserve(stored.items.size());
  for (const storage::StoredObject& item : stored.items) {
    ASSIGN_OR_RETURN(json object, Served(item));
    result.items.push_back(std::move(object));
  }
  return result;
}

absl::StatusOr<StoredListResult> ObjectService::ListStored(
    const discovery::ResourceInfo& resource, absl::string_view namespace_,
    const ListRequest& request) {
  const bool filtering = !request.labels.Empty() || !request.fields.Empty();
  storage::ListOptions options;
  options.resource = StorageResource(resource);
  options.namespace_ = resource.namespaced ? std::string(namespace_) : "";
  options.limit =
      filtering && request.limit > 0 ? std::max<int64_t>(request.limit, 256) : request.limit;
  options.continue_token = request.continue_token;
  options.revision = request.exact_revision;
  options.count_remaining = !filtering && request.limit > 0;
  StoredListResult result;
  bool first_page = true;
  while (true) {
    absl::StatusOr<storage::ListResult> page = store_->List(options);
    if (!page.ok()) return StorageError(page.status(), ToGroupResource(resource), "");
    if (first_page) result.revision = page->revision;
    first_page = false;
    for (size_t i = 0; i < page->items.size(); ++i) {
      if (filtering) {
        ASSIGN_OR_RETURN(json object, Served(page->items[i]));
        if (!request.labels.MatchesObject(object) || !request.fields.Matches(object)) continue;
      }
      result.items.push_back(std::move(page->items[i]));
      if (request.limit > 0 && static_cast<int64_t>(result.items.size()) == request.limit) {
        if (i + 1 < page->items.size() || !page->continue_token.empty()) {
          result.continue_token =
              ContinueAfter(options, page->revision, result.items.back().key);
          result.remaining_item_count = page->remaining_item_count;  // unset when filtering
        }
        return result;
      }
    }
    if (page->continue_token.empty()) return result;
    options.continue_token = page->continue_token;
    options.revision.reset();
  }
}

absl::Status ObjectService::CheckNamespace(const discovery::ResourceInfo& resource,
                                           absl::string_view namespace_, absl::string_view name) {
  if (!resource.namespaced) return absl::OkStatus();
  if (namespace_.empty()) return BadRequest("the namespace of the object must be set");
  absl::StatusOr<storage::StoredObject> ns =
      store_->Get({"namespaces", "", std::string(namespace_)});
  if (!ns.ok()) return StorageError(ns.status(), {"", "namespaces"}, namespace_);
  if (ns->value.find("\"deletionTimestamp\"") != std::string::npos) {
    return ToAbslStatus(
        ForbiddenStatus(ToGroupResource(resource), name,
                        absl::StrCat("unable to create new content in namespace ", namespace_,
                                     " because it is being terminated")));
  }
  return absl::OkStatus();
}

absl::StatusOr<WriteResult> ObjectService::Create(const discovery::ResourceInfo& resource,
                                                  absl::string_view namespace_, json object,
                                                  const WriteOptions& options) {
  if (!object.is_object()) return BadRequest("the body of the request must be a JSON object");
  std::optional<absl::MutexLock> crd_lock;
  if (IsCrdResource(resource)) crd_lock.emplace(&crd_mu_);
  RETURN_IF_ERROR(PlaceObject(resource, namespace_, "", object));
  json& meta = Metadata(object);
  if (MetaString(object, "name").empty() && !MetaString(object, "generateName").empty()) {
    meta["name"] = MetaString(object, "generateName") + GenerateNameSuffix();
  }
  const std::string name = MetaString(object, "name");
  RETURN_IF_ERROR(CheckNamespace(resource, namespace_, name));
  WriteResult result;
  RETURN_IF_ERROR(
      PruneUnknownBuiltinFields(resource, options.field_validation, object, &result.warnings));
  const AdmissionContext context{&resource, registry_, options.field_validation, clock_->Now(),
                                 &result.warnings, options.field_manager};
  RETURN_IF_ERROR(AdmitCreate(context, object));
  if (options.dry_run) {
    result.object = std::move(object);
    return result;
  }
  absl::StatusOr<storage::StoredObject> stored =
      store_->Create(KeyFor(resource, namespace_, name), ForStorage(object));
  if (!stored.ok()) return StorageError(stored.status(), ToGroupResource(resource), name);
  SetResourceVersion(object, stored->revision);
  AfterWrite(resource, object);
  result.object = std::move(object);
  return result;
}

absl::StatusOr<WriteResult> ObjectService::Update(
    const discovery::ResourceInfo& resource, absl::string_view namespace_, absl::string_view name,
    absl::string_view subresource, const MutateFunction& mutate, const WriteOptions& options) {
  std::optional<absl::MutexLock> crd_lock;
  if (IsCrdResource(resource)) crd_lock.emplace(&crd_mu_);
  const storage::ObjectKey key = KeyFor(resource, namespace_, name);
  WriteResult result;
  json desired_out;
  auto update = [&](const storage::StoredObject& stored) -> absl::StatusOr<std::string> {
    result.warnings.clear();
    ASSIGN_OR_RETURN(json current, Served(stored));
    ASSIGN_OR_RETURN(json desired, mutate(current));
    if (!desired.is_object()) return BadRequest("the object must be a JSON object");
    absl::StatusOr<std::optional<int64_t>> revision = ResourceVersionOf(desired);
    if (!revision.ok()) return BadRequest(revision.status().message());
    if (*revision && **revision != stored.revision) {
      return ToAbslStatus(
          ConflictStatus(ToGroupResource(resource), name, kOptimisticLockErrorMessage));
    }
    RETURN_IF_ERROR(PlaceObject(resource, namespace_, name, desired));
    RETURN_IF_ERROR(
        PruneUnknownBuiltinFields(resource, options.field_validation, desired, &result.warnings));
    const AdmissionContext context{&resource, registry_, options.field_validation, clock_->Now(),
                                   &result.warnings, options.field_manager};
    RETURN_IF_ERROR(AdmitUpdate(context, current, desired, subresource));
    std::string bytes = ForStorage(desired);
    SetResourceVersion(desired, stored.revision);
    desired_out = std::move(desired);
    return options.dry_run ? stored.value : bytes;
  };
  absl::StatusOr<storage::StoredObject> stored = store_->GuaranteedUpdate(key, update);
  if (!stored.ok()) return StorageError(stored.status(), ToGroupResource(resource), name);
  result.object = std::move(desired_out);
  if (options.dry_run) return result;
  SetResourceVersion(result.object, stored->revision);
  AfterWrite(resource, result.object);
  if (HasDeletionTimestamp(result.object) && DeletionComplete(resource, result.object)) {
    absl::StatusOr<json> removed = Remove(resource, key, stored->revision);
    if (!removed.ok() && !absl::IsAborted(removed.status()) &&
        !absl::IsNotFound(removed.status())) {
      return removed.status();
    }
  }
  return result;
}

void ObjectService::AfterWrite(const discovery::ResourceInfo& resource, const json& object) {
  if (!IsCrdResource(resource)) return;
  if (HasDeletionTimestamp(object)) {
    registry_->RemoveCustomResource(MetaString(object, "name"));
    return;
  }
  if (absl::Status status = registry_->AddCustomResource(object); !status.ok()) {
    log::Error(status, "registering custom resource failed", {{"crd", MetaString(object, "name")}});
  }
}

void ObjectService::NotifyDelete() const {
  if (on_delete_) on_delete_();
}

}  // namespace flyover::apiserver
