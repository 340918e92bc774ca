// YAML to JSON, the way kubectl reads manifests.
//
// Plain scalars resolve as go-yaml v2 (which kubectl uses) resolves them: null (`~`,
// `null`, empty), booleans (true/false, yes/no, on/off, y/n in their usual cases),
// integers (decimal, 0x hex, 0o octal), floats (including .inf and .nan, which the
// JSON side then rejects); quoted scalars are always strings. Multi-document streams
// split on `---`; empty documents are skipped. yaml-cpp's exceptions never escape.
// Alias expansion is bounded, so a "billion laughs" document is an error, not an OOM.
#ifndef FLYOVER_KUBE_API_YAML_H_
#define FLYOVER_KUBE_API_YAML_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// Limits on what a stream may expand to: max_nodes counts every document together, so
// a thousand bombs in one file cost no more than one.
struct YamlLimits {
  size_t max_nodes = 1'000'000;
  size_t max_depth = 200;
};

// Parses every document in `text`. InvalidArgument names the line and column of a
// syntax error, or the limit that was exceeded.
[[nodiscard]] absl::StatusOr<std::vector<nlohmann::json>> ParseYamlDocuments(
    absl::string_view text, const YamlLimits& limits = {});

// Reads a file of YAML documents (a manifest).
[[nodiscard]] absl::StatusOr<std::vector<nlohmann::json>> ReadYamlFile(absl::string_view path);

// Renders JSON as block-style YAML, keys in the JSON object's order (sorted).
[[nodiscard]] std::string JsonToYaml(const nlohmann::json& value);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_YAML_H_
