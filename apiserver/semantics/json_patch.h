// JSON patch (RFC 6902), as kube-apiserver applies application/json-patch+json
// (`kubectl patch --type=json`).
//
// The patch is a list of operations applied in order to a copy of the document; the first
// that fails fails the whole patch and the document is unchanged:
//   add      {"op":"add","path":P,"value":V}       member set / array insert ("-" appends)
//   remove   {"op":"remove","path":P}              P must exist
//   replace  {"op":"replace","path":P,"value":V}   P must exist
//   move     {"op":"move","from":F,"path":P}       F must exist and not be above P
//   copy     {"op":"copy","from":F,"path":P}
//   test     {"op":"test","path":P,"value":V}      JSON equality (1 equals 1.0)
// Paths are JSON pointers (json_pointer.h); "" is the whole document.
//
// Errors, each InvalidArgument carrying the Status the server answers with:
//   the patch is not a list of objects                400 BadRequest
//   more than max_operations operations               413 RequestEntityTooLarge
//   copies would create more than max_copied_values   413 RequestEntityTooLarge
//   an operation is malformed or does not apply       422 Invalid (kube's generic message;
//                                                     the reason is the absl message and
//                                                     the Status's one cause)
// Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_JSON_PATCH_H_
#define FLYOVER_APISERVER_SEMANTICS_JSON_PATCH_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

struct JsonPatchOptions {
  // kube-apiserver's limit (maxJSONPatchOperations).
  size_t max_operations = 10000;
  // Bound on the JSON values (every scalar, array and object counts one) that copy
  // operations may create in total, so that a small patch cannot grow a huge document.
  size_t max_copied_values = size_t{1} << 20;
};

[[nodiscard]] absl::StatusOr<nlohmann::json> ApplyJsonPatch(
    const nlohmann::json& document, const nlohmann::json& patch,
    const JsonPatchOptions& options = {});

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_JSON_PATCH_H_
