// Reading request bodies that hold JSON, with the bounds every patch function relies on.
//
// ParseJsonBody parses a body without throwing and rejects documents nested deeper than
// kMaxJsonNestingDepth, so that the recursive patch code below can never exhaust the
// stack. Errors are InvalidArgument carrying a 400 BadRequest Status payload
// (api_status_builder.h). Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_JSON_BODY_H_
#define FLYOVER_APISERVER_SEMANTICS_JSON_BODY_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

// Far beyond any Kubernetes object, and shallow enough for recursion under sanitizers.
inline constexpr size_t kMaxJsonNestingDepth = 1000;

// Parses `body` as one JSON document: "error decoding <what>: <parser message>" on bad
// syntax, and the depth check below.
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseJsonBody(absl::string_view body,
                                                           absl::string_view what = "body");

// The nesting depth of `value`: 0 for a scalar, 1 for [] or {}, 2 for [[]], ... Iterative.
[[nodiscard]] size_t NestingDepth(const nlohmann::json& value);

// OK when no array or object in `value` sits deeper than `max_depth` levels (a scalar is
// depth 0, [] depth 1). Iterative, so it is safe on any input.
[[nodiscard]] absl::Status CheckNestingDepth(const nlohmann::json& value,
                                             absl::string_view what = "body",
                                             size_t max_depth = kMaxJsonNestingDepth);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_JSON_BODY_H_
