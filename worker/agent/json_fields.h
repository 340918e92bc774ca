// Strict readers of JSON object members for the supervision codecs: each returns
// InvalidArgument naming "<path>.<key>" when the member is missing (the Required forms) or
// has the wrong type. nlohmann_json stays behind this header's functions' signatures.
#ifndef FLYOVER_WORKER_AGENT_JSON_FIELDS_H_
#define FLYOVER_WORKER_AGENT_JSON_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::worker::json_fields {

// Parses `text` as JSON (InvalidArgument "<what>: not valid JSON") and requires an object.
[[nodiscard]] absl::StatusOr<nlohmann::json> ParseObject(absl::string_view text,
                                                         absl::string_view what);

[[nodiscard]] absl::StatusOr<std::string> RequiredString(const nlohmann::json& object,
                                                         absl::string_view path,
                                                         const char* key);
[[nodiscard]] absl::StatusOr<int64_t> RequiredInt(const nlohmann::json& object,
                                                  absl::string_view path, const char* key);
// Absent or null -> nullopt.
[[nodiscard]] absl::StatusOr<std::optional<int64_t>> OptionalInt(const nlohmann::json& object,
                                                                 absl::string_view path,
                                                                 const char* key);
[[nodiscard]] absl::StatusOr<std::optional<double>> OptionalNumber(
    const nlohmann::json& object, absl::string_view path, const char* key);

std::string Path(absl::string_view parent, absl::string_view key);

}  // namespace flyover::worker::json_fields

#endif  // FLYOVER_WORKER_AGENT_JSON_FIELDS_H_
