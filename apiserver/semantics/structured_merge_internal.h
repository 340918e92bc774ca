// Internal to structured_merge.cc and structured_compare.cc: list element identity and
// path steps. Not for use outside apiserver/semantics.
#ifndef FLYOVER_APISERVER_SEMANTICS_STRUCTURED_MERGE_INTERNAL_H_
#define FLYOVER_APISERVER_SEMANTICS_STRUCTURED_MERGE_INTERNAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "apiserver/semantics/field_schema.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::ssa_internal {

// "spec" + "replicas" → "spec.replicas"; "" + "spec" → "spec".
[[nodiscard]] std::string Dotted(absl::string_view path, absl::string_view field);

// The path element of `item` in a set or map list at `path` (k:{...} or v:...). A map-list
// element must be an object with every key field; a set element must not be an object or
// a list. Errors carry a 422 payload naming the list.
[[nodiscard]] absl::StatusOr<std::string> ElementOf(const nlohmann::json& item,
                                                    const ListShape& shape,
                                                    absl::string_view path);

// The value one path element below `value`, or nullptr.
[[nodiscard]] const nlohmann::json* Step(const nlohmann::json& value, const std::string& element);

}  // namespace flyover::apiserver::ssa_internal

#endif  // FLYOVER_APISERVER_SEMANTICS_STRUCTURED_MERGE_INTERNAL_H_
