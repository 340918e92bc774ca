// The 409 Conflict a server-side apply answers when it would change fields other managers
// own, worded as kube-apiserver words it:
//   one:   Apply failed with 1 conflict: conflict with "kubectl" using v1: .spec.replicas
//   many:  Apply failed with 2 conflicts: conflicts with "a":
//          - .data.x
//          conflicts with "b" using v1:
//          - .data.y
// with one details.causes entry per field: {"reason":"FieldManagerConflict",
// "message":"conflict with \"kubectl\" using v1","field":".spec.replicas"}.
// Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_FIELD_CONFLICT_H_
#define FLYOVER_APISERVER_SEMANTICS_FIELD_CONFLICT_H_

#include <string>
#include <vector>

#include "apiserver/semantics/field_set.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

struct FieldConflict {
  std::string manager;  // ManagedFieldsEntry::Describe()
  FieldPath path;
};

// The Status object (api_status_builder.h form) for `conflicts` (not empty).
[[nodiscard]] nlohmann::json ApplyConflictStatus(std::vector<FieldConflict> conflicts);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_FIELD_CONFLICT_H_
