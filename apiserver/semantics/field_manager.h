// Field ownership: what each write does to metadata.managedFields, as kube-apiserver's field
// manager does it.
//
// ServerSideApply (operation Apply): the configuration (nulls dropped) is merged into the
// live object (structured_merge.h) and becomes the manager's whole field set. Fields the
// manager applied last time and no longer applies are removed from the object unless
// another manager owns them (or something below them). A field another manager owns whose
// value the apply changes (added or modified) is a conflict: without `force` the apply
// fails with 409 Conflict listing every field and its manager
// ("Apply failed with 1 conflict: conflict with \"kubectl\" using v1: .spec.replicas",
// details.causes[] = {reason FieldManagerConflict, message, field}); with `force` the
// fields move to the applier. Applying the values the object already has shares the
// fields with their owners. A configuration carrying metadata.managedFields is 400.
//
// RecordUpdate (operation Update: create, update, non-apply patch): the fields the write
// adds or changes move to its manager from every other manager; removed fields leave
// every set. Managed fields sent with the write replace the stored ones when non-empty;
// otherwise the stored ones carry over. With no manager the write is not attributed and
// managedFields only carry over (internal writes), as they do for an object whose lists
// cannot be keyed (a map-list element without its key field).
//
// Never owned: apiVersion, kind, metadata itself and metadata name, namespace, uid,
// resourceVersion, generation, creationTimestamp, selfLink, managedFields. `tracked`
// narrows a write to the fields its endpoint may change: the main resource of a kind with
// a status subresource ignores status; the status subresource owns status only.
// An entry's time changes only when its fields or the object change.
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SEMANTICS_FIELD_MANAGER_H_
#define FLYOVER_APISERVER_SEMANTICS_FIELD_MANAGER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "apiserver/semantics/field_schema.h"
#include "apiserver/semantics/managed_fields.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

enum class TrackedFields { kAll, kAllButStatus, kStatusOnly };

struct FieldManagerRequest {
  std::string manager;      // "" = not attributed (RecordUpdate only)
  std::string api_version;  // the object's apiVersion, e.g. "v1", "apps/v1"
  std::string subresource;  // "" or "status"
  std::string time;         // RFC 3339, for the entry's time
  const FieldSchema* schema = nullptr;
  TrackedFields tracked = TrackedFields::kAll;
};

// The object `config` applied to `live` ({} when creating) makes, with managedFields set
// (an empty list when no manager is left). Errors: 409 conflicts, 400 for managedFields in
// the configuration, 422 for malformed lists (structured_merge.h).
[[nodiscard]] absl::StatusOr<nlohmann::json> ServerSideApply(const nlohmann::json& live,
                                                             const nlohmann::json& config,
                                                             const FieldManagerRequest& request,
                                                             bool force);

// Sets `updated`'s managedFields for a write from `live` ({} on create). Invalid managed
// fields sent with the write are appended to `errors` (nothing changes then).
[[nodiscard]] absl::Status RecordUpdate(const nlohmann::json& live, nlohmann::json& updated,
                                        const FieldManagerRequest& request,
                                        kube::ErrorList* errors);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_FIELD_MANAGER_H_
