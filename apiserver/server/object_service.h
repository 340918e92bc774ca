// ObjectService: the API's object operations over the storage, independent of HTTP — get,
// list, create, update (whole object, or through a mutation such as a patch), delete — with
// kube-apiserver's semantics (strategy.h for admission). Both the HTTP handlers and the
// garbage collector go through it, so every write follows the same rules.
//
// Objects are JSON and carry metadata.resourceVersion as served. Errors carry the Status
// object to answer with (api_status_builder.h payloads): 404 NotFound, 409 AlreadyExists,
// 409 Conflict (stale resourceVersion: kOptimisticLockErrorMessage), 400/422 from admission,
// 404 when the namespace of a new object does not exist, 403 when it is terminating.
//
// Deletion: an object with finalizers (or deleted with propagationPolicy Orphan/Foreground,
// which add the "orphan"/"foregroundDeletion" finalizer, or a namespace, which waits for
// its content to go) gets deletionTimestamp and deletionGracePeriodSeconds 0 and stays
// until the last finalizer is removed by an update; otherwise it goes at once. A bound,
// running pod is deleted gracefully: deletionTimestamp = now + grace period, and it stays
// until a DELETE with gracePeriodSeconds=0 (its kubelet's, or a forced one) — the rules are
// in deletion_plan.h. Either way `on_delete` (the garbage collector's poke) is called so
// dependents are dealt with.
//
// CRDs: writes to customresourcedefinitions are serialised, and each successful create or
// update registers the CRD's resources (RegistryState); deleting one unregisters it at once
// and leaves its custom resources to the garbage collector (finalizer
// "customresourcecleanup.apiextensions.k8s.io").
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_APISERVER_SERVER_OBJECT_SERVICE_H_
#define FLYOVER_APISERVER_SERVER_OBJECT_SERVICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/semantics/field_selector.h"
#include "apiserver/semantics/label_selector.h"
#include "apiserver/server/custom_resource_admission.h"
#include "apiserver/server/registry_state.h"
#include "apiserver/storage/store.h"
#include "common/clock.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

inline constexpr char kOrphanFinalizer[] = "orphan";
inline constexpr char kForegroundFinalizer[] = "foregroundDeletion";
inline constexpr char kCrdCleanupFinalizer[] = "customresourcecleanup.apiextensions.k8s.io";

struct WriteOptions {
  bool dry_run = false;
  FieldValidation field_validation = FieldValidation::kWarn;
  // The manager the write is recorded under in metadata.managedFields (operation Update);
  // "" records none (server-side apply records its own Apply entry).
  std::string field_manager;
};

struct WriteResult {
  nlohmann::json object;
  std::vector<std::string> warnings;
};

// Computes the object a client wants from the current one (a PUT ignores `current`; a
// patch applies itself to it). May run more than once when writes race.
using MutateFunction = std::function<absl::StatusOr<nlohmann::json>(const nlohmann::json& current)>;

struct ListRequest {
  LabelSelector labels;
  FieldSelector fields;
  int64_t limit = 0;  // 0 = all
  std::string continue_token;
  std::optional<int64_t> exact_revision;  // resourceVersionMatch=Exact
};

struct ListResult {
  std::vector<nlohmann::json> items;
  int64_t revision = 0;
  std::string continue_token;
  // metadata.remainingItemCount: set, as kube-apiserver does, on a limited list without
  // selectors when items remain after this page.
  std::optional<int64_t> remaining_item_count;
};

// A list page as stored: each item's bytes without metadata.resourceVersion, its revision
// beside them (object_meta.h: Served() makes the object a client sees).
struct StoredListResult {
  std::vector<storage::StoredObject> items;
  int64_t revision = 0;
  std::string continue_token;
  std::optional<int64_t> remaining_item_count;  // as in ListResult
};

struct DeleteOptions {
  std::string propagation_policy;  // "", "Orphan", "Background", "Foreground"
  std::string precondition_uid;
  std::optional<int64_t> precondition_revision;
  // gracePeriodSeconds: nullopt = the object's default (pods: terminationGracePeriodSeconds).
  std::optional<int64_t> grace_period_seconds;
  bool dry_run = false;
};

struct DeleteResult {
  nlohmann::json object;  // the last state (removed) or the state now (pending finalizers)
  bool removed = false;
};

class ObjectService {
 public:
  // `store`, `registry` and `clock` must outlive the service. `on_delete` may be null.
  ObjectService(storage::Store* store, RegistryState* registry, Clock* clock,
                std::function<void()> on_delete = nullptr);

  [[nodiscard]] absl::StatusOr<nlohmann::json> Get(const discovery::ResourceInfo& resource,
                                                   absl::string_view namespace_,
                                                   absl::string_view name);
  // Objects in `namespace_` ("" = all) matching the selectors, a page at a time.
  [[nodiscard]] absl::StatusOr<ListResult> List(const discovery::ResourceInfo& resource,
                                                absl::string_view namespace_,
                                                const ListRequest& request);
  // The same page as List(), unparsed: objects are parsed only to match selectors.
  [[nodiscard]] absl::StatusOr<StoredListResult> ListStored(
      const discovery::ResourceInfo& resource, absl::string_view namespace_,
      const ListRequest& request);
  [[nodiscard]] absl::StatusOr<WriteResult> Create(const discovery::ResourceInfo& resource,
                                                   absl::string_view namespace_,
                                                   nlohmann::json object,
                                                   const WriteOptions& options);
  // `subresource` is "" or "status". The mutation's result may carry a resourceVersion:
  // it must then be the current one (409 Conflict otherwise).
  [[nodiscard]] absl::StatusOr<WriteResult> Update(
      const discovery::ResourceInfo& resource, absl::string_view namespace_, absl::string_view name,
      absl::string_view subresource, const MutateFunction& mutate, const WriteOptions& options);
  [[nodiscard]] absl::StatusOr<DeleteResult> Delete(const discovery::ResourceInfo& resource,
                                                    absl::string_view namespace_,
                                                    absl::string_view name,
                                                    const DeleteOptions& options);

  // For the garbage collector: drops `finalizer` from metadata.finalizers (for "kubernetes"
  // on a namespace: from spec.finalizers) without admission, and removes the object if it
  // is being deleted and that was the last finalizer. OK if the finalizer was not there.
  [[nodiscard]] absl::Status RemoveFinalizer(const discovery::ResourceInfo& resource,
                                             absl::string_view namespace_, absl::string_view name,
                                             absl::string_view finalizer);

  storage::Store* store() const { return store_; }
  RegistryState* registry() const { return registry_; }
  Clock* clock() const { return clock_; }

 private:
  absl::Status CheckNamespace(const discovery::ResourceInfo& resource, absl::string_view namespace_,
                              absl::string_view name);
  // Removes an object whose deletion is complete, if nothing changed it since `revision`.
  absl::StatusOr<nlohmann::json> Remove(const discovery::ResourceInfo& resource,
                                        const storage::ObjectKey& key, int64_t revision);
  // Stores `marked` (an object being deleted, deletion_plan.h) if nothing changed it since
  // `revision` (Aborted otherwise).
  absl::StatusOr<nlohmann::json> MarkDeleting(const discovery::ResourceInfo& resource,
                                              const storage::ObjectKey& key,
                                              nlohmann::json marked, int64_t revision);
  void AfterWrite(const discovery::ResourceInfo& resource, const nlohmann::json& object);
  void NotifyDelete() const;

  storage::Store* const store_;
  RegistryState* const registry_;
  Clock* const clock_;
  const std::function<void()> on_delete_;
  absl::Mutex crd_mu_;  // serialises CRD writes with their registration
};

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_OBJECT_SERVICE_H_
