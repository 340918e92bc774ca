// The JSONPath subset that CRD printer columns use in practice: field steps (`.status.phase`,
// `.metadata.labels.app\.kubernetes\.io/name`), quoted field steps (`['a.b']`) and array
// indexes (`.status.conditions[0].type`, negative counts from the end). The whole path may
// be wrapped in `{...}` and may start with `$`, as kubectl's template syntax allows.
//
// Wildcards, recursive descent, filters, slices and unions are valid JSONPath that this
// subset does not evaluate: parsing them returns Unimplemented, so a caller can accept
// such a column and print it empty. Malformed paths return InvalidArgument.
#ifndef FLYOVER_APISERVER_DISCOVERY_JSONPATH_H_
#define FLYOVER_APISERVER_DISCOVERY_JSONPATH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

struct JsonPathStep {
  bool is_index = false;
  std::string field;   // when !is_index
  int64_t index = 0;   // when is_index

  bool operator==(const JsonPathStep&) const = default;
};

[[nodiscard]] absl::StatusOr<std::vector<JsonPathStep>> ParseJsonPath(absl::string_view path);

// The value the path selects, or nullptr when some step is missing (absent field, index
// out of range, or a step into a value of the wrong type).
const nlohmann::json* EvaluateJsonPath(const std::vector<JsonPathStep>& steps,
                                       const nlohmann::json& object);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_JSONPATH_H_
