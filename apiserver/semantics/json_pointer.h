// JSON pointers (RFC 6901), the paths of JSON patch operations.
//
// "" is the whole document; otherwise each "/"-separated token names an object member or
// an array index, with "~1" standing for '/' and "~0" for '~'. Free functions; thread-safe.
#ifndef FLYOVER_APISERVER_SEMANTICS_JSON_POINTER_H_
#define FLYOVER_APISERVER_SEMANTICS_JSON_POINTER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::apiserver {

// The unescaped tokens of `pointer`; InvalidArgument (no payload) when it does not start
// with '/' or holds a '~' not followed by '0' or '1'.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseJsonPointer(
    absl::string_view pointer);

// The pointer for `tokens`, escaping '~' and '/'.
[[nodiscard]] std::string FormatJsonPointer(const std::vector<std::string>& tokens);

// An array index token: "0" or digits without a leading zero, that fits size_t.
[[nodiscard]] std::optional<size_t> ParseArrayIndex(absl::string_view token);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SEMANTICS_JSON_POINTER_H_
