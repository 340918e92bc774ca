#include "kube/api/yaml.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/json_util.h"
#include "kube/api/yaml_json_builder.h"
#include "yaml-cpp/yaml.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

void EmitYaml(const json& value, YAML::Emitter& out) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, v] : value.items()) {
      out << YAML::Key << key << YAML::Value;
      EmitYaml(v, out);
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const json& v : value) EmitYaml(v, out);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    const std::string s = value.get<std::string>();
    // Quote strings that would otherwise read back as another type.
    if (!ResolveYamlScalar("?", s).is_string()) {
      out << YAML::DoubleQuoted << s;
    } else {
      out << s;
    }
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << DumpJson(value);
  }
}

}  // namespace

absl::StatusOr<std::vector<json>> ParseYamlDocuments(absl::string_view text,
                                                     const YamlLimits& limits) {
  std::istringstream in{std::string(text)};
  YamlJsonBuilder builder(limits);
  try {
    YAML::Parser parser(in);
    std::optional<size_t> previous_start;
    while (parser.HandleNextDocument(builder)) {
      RETURN_IF_ERROR(builder.error());
      // yaml-cpp 0.7 reports a stray top-level ',' as an endless run of empty documents
      // that all start at the same place: a document that does not move is an error.
      const YAML::Mark& start = builder.last_document_start();
      if (previous_start == static_cast<size_t>(start.pos)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "YAML: line ", start.line + 1, ", column ", start.column + 1, ": unexpected ','"));
      }
      previous_start = start.pos;
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  }
  RETURN_IF_ERROR(builder.error());
  return std::move(builder.documents());
}

absl::StatusOr<std::vector<json>> ReadYamlFile(absl::string_view path) {
  std::ifstream in{std::string(path)};
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<std::vector<json>> docs = ParseYamlDocuments(buffer.str());
  if (!docs.ok()) {
    return absl::Status(docs.status().code(), absl::StrCat(path, ": ", docs.status().message()));
  }
  return docs;
}

std::string JsonToYaml(const json& value) {
  YAML::Emitter out;
  EmitYaml(value, out);
  return std::string(out.c_str()) + "\n";
}

}  // namespace flyover::kube
