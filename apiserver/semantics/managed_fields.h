// metadata.managedFields: who owns which fields of an object (meta/v1 ManagedFieldsEntry).
//
//   {"manager":"kubectl","operation":"Apply","apiVersion":"v1",
//    "time":"2024-01-02T03:04:05Z","fieldsType":"FieldsV1",
//    "fieldsV1":{"f:data":{"f:a":{}}},"subresource":"status"}
//
// An entry is identified by manager, operation and subresource, and for Update entries
// also apiVersion (kube-apiserver's manager identifier: an applier keeps one entry
// whatever version it applies with). Entries are written sorted as kube-apiserver sorts
// them: Apply before Update, then by time, manager, apiVersion, subresource; entries with
// no fields are dropped.
//
// Thread-compatible value types; free functions.
#ifndef FLYOVER_APISERVER_SEMANTICS_MANAGED_FIELDS_H_
#define FLYOVER_APISERVER_SEMANTICS_MANAGED_FIELDS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "apiserver/semantics/field_set.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

enum class ManagedOperation { kApply, kUpdate };

struct ManagedFieldsEntry {
  std::string manager;
  ManagedOperation operation = ManagedOperation::kUpdate;
  std::string api_version;
  std::string time;  // RFC 3339, "" when unknown
  std::string subresource;
  FieldSet fields;

  // Same manager identifier (see the file comment).
  [[nodiscard]] bool SameManager(const ManagedFieldsEntry& other) const;
  // `"kubectl"`, `"kubectl" with subresource "status"`, `"ctl" using v1` (Update entries),
  // as kube-apiserver names a manager in conflict messages.
  [[nodiscard]] std::string Describe() const;
};

using ManagedFields = std::vector<ManagedFieldsEntry>;

// The object's metadata.managedFields (absent or null: none). Problems are appended to
// `errors` with their paths (metadata.managedFields[0].operation: Unsupported value ...),
// as kube-apiserver validates ObjectMeta.
[[nodiscard]] ManagedFields DecodeManagedFields(const nlohmann::json& object,
                                                kube::ErrorList* errors);

// Writes `managed` (sorted, empty entries dropped) to metadata.managedFields, or removes
// the member when nothing is left.
void EncodeManagedFields(ManagedFields managed, nlohmann::json& object);

// The entry of `manager` in `managed`, or nullptr.
[[nodiscard]] ManagedFieldsEntry* FindManager(ManagedFields& managed,
                                              const ManagedFieldsEntry& manager);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_MANAGED_FIELDS_H_
