// The trainer configuration file of `flyover-worker local --config FILE`
// (docs/design/supervision.md section 4): JSON, or YAML converted to JSON here with
// yaml-cpp. Scalars convert as YAML 1.2's core schema reads them: plain null/~/empty ->
// null, true/false -> booleans, integers and floats -> numbers, everything else and every
// quoted scalar -> strings. The trainer checks the fields; this only converts.
//
// Errors: NotFound for a file that cannot be read, InvalidArgument ("<path>: YAML: line L,
// column C: ...") for text that is neither JSON nor YAML, or whose top level is not a
// mapping.
#ifndef FLYOVER_WORKER_MAIN_CONFIG_FILE_H_
#define FLYOVER_WORKER_MAIN_CONFIG_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/file_system.h"

namespace flyover::worker {

// The configuration text (JSON or YAML) as compact JSON.
[[nodiscard]] absl::StatusOr<std::string> ConfigTextToJson(absl::string_view text);

// Reads `path` and converts it as above; errors name the path.
[[nodiscard]] absl::StatusOr<std::string> LoadConfigFileAsJson(FileSystem& fs,
                                                               absl::string_view path);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MAIN_CONFIG_FILE_H_
