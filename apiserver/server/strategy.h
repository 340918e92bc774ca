// What the server does to an object between a client's create or update request and the
// storage, for every resource (kube-apiserver's "REST strategies"):
//
// Create: apiVersion/kind are filled in or must match the resource (400 otherwise); the
// server sets uid, creationTimestamp and generation 1 and clears the lifecycle fields;
// status is reset where kube-apiserver resets it (custom resources with a status
// subresource drop it, pods start Pending, namespaces Active with the "kubernetes"
// finalizer, CRDs get their Established status); then metadata (names as DNS-1123
// subdomains, or labels for namespaces, services and PostTrainingJobs; label syntax;
// annotation size) and the kind's own rules (custom_resource_admission.h, crd_admission.h,
// rbac_admission.h) are validated. Errors: 422 Invalid listing every problem (kube's wording).
//
// Update: the same checks on the new object, plus the update rules: uid, creationTimestamp,
// generation and the deletion fields cannot be changed by clients; on a resource with a
// status subresource the main resource keeps the stored status and the status subresource
// changes only status; generation increases when anything outside metadata and status
// changes; no finalizer may be added once deletion has begun.
//
// Managed fields (field_manager.h): every create and update records an Update entry for
// `field_manager` in metadata.managedFields (the fields it adds or changes move to it);
// invalid managedFields sent by the client are 422 naming the entry's field. With no
// field manager the write is not attributed: the managedFields it carries are kept, or the
// stored ones when it carries none (server-side apply computes its own and passes none).
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_STRATEGY_H_
#define FLYOVER_APISERVER_SERVER_STRATEGY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "apiserver/server/custom_resource_admission.h"
#include "apiserver/server/registry_state.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

struct AdmissionContext {
  const discovery::ResourceInfo* resource = nullptr;
  const RegistryState* registry = nullptr;  // for CRDs
  FieldValidation field_validation = FieldValidation::kWarn;
  absl::Time now;
  std::vector<std::string>* warnings = nullptr;  // may be null
  std::string field_manager;  // "" = the write is not attributed in managedFields
};

// Whether the resource has a status subresource.
bool HasStatusSubresource(const discovery::ResourceInfo& resource);
bool IsCrdResource(const discovery::ResourceInfo& resource);
bool IsNamespaceResource(const discovery::ResourceInfo& resource);

// Prepares `object` (already carrying the request's namespace and name) for storage.
[[nodiscard]] absl::Status AdmitCreate(const AdmissionContext& context, nlohmann::json& object);

// Turns `updated` (the body of a PUT, or the patched object) into what to store in place
// of `current`. `subresource` is "" or "status".
[[nodiscard]] absl::Status AdmitUpdate(const AdmissionContext& context,
                                       const nlohmann::json& current, nlohmann::json& updated,
                                       absl::string_view subresource);

// Whether an object being deleted may go now: no finalizers left (for namespaces, none in
// spec.finalizers either).
bool ReadyToRemove(const discovery::ResourceInfo& resource, const nlohmann::json& object);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_STRATEGY_H_
