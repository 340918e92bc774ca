// Serialising JSON that may hold user input. nlohmann's dump() throws on strings that
// are not valid UTF-8 (YAML input can carry them); DumpJson replaces such bytes with
// U+FFFD instead, so printing an error or an object never throws.
#ifndef FLYOVER_KUBE_API_JSON_UTIL_H_
#define FLYOVER_KUBE_API_JSON_UTIL_H_

#include <string>

#include "nlohmann/json.hpp"

namespace flyover::kube {

inline std::string DumpJson(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_JSON_UTIL_H_
