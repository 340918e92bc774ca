#include "worker/main/config_file.h"

#include <cstdint>
#include <exception>
#include <regex>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "nlohmann/json.hpp"
#include "yaml-cpp/yaml.h"

namespace flyover::worker {
namespace {

using nlohmann::json;

// A plain (unquoted) scalar by YAML 1.2's core schema.
json PlainScalar(const std::string& text) {
  static const std::regex kNull("null|Null|NULL|~|");
  static const std::regex kTrue("true|True|TRUE");
  static const std::regex kFalse("false|False|FALSE");
  static const std::regex kInt("[-+]?[0-9]+");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(text, kNull)) return nullptr;
  if (std::regex_match(text, kTrue)) return true;
  if (std::regex_match(text, kFalse)) return false;
  int64_t integer = 0;
  if (std::regex_match(text, kInt) && absl::SimpleAtoi(text, &integer)) return integer;
  double number = 0;
  if (std::regex_match(text, kFloat) && absl::SimpleAtod(text, &number)) return number;
  return text;
}

json ToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& entry : node) object[entry.first.as<std::string>()] = ToJson(entry.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) array.push_back(ToJson(item));
      return array;
    }
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted scalars "!": they are strings whatever they hold.
      return node.Tag() == "!" ? json(node.Scalar()) : PlainScalar(node.Scalar());
    default:
      return nullptr;
  }
}

}  // namespace

absl::StatusOr<std::string> ConfigTextToJson(absl::string_view text) {
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    try {
      parsed = ToJson(YAML::Load(std::string(text)));
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("YAML: line ", e.mark.line + 1, ", column ",
                                                     e.mark.column + 1, ": ", e.msg));
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
    }
  }
  if (!parsed.is_object()) {
    return absl::InvalidArgumentError("configuration: the top level must be a mapping");
  }
  return parsed.dump();
}

absl::StatusOr<std::string> LoadConfigFileAsJson(FileSystem& fs, absl::string_view path) {
  absl::StatusOr<std::string> text = fs.ReadFile(path);
  if (!text.ok()) return Annotate(text.status(), absl::StrCat("--config ", path));
  absl::StatusOr<std::string> converted = ConfigTextToJson(*text);
  if (!converted.ok()) return Annotate(converted.status(), path);
  return converted;
}

}  // namespace flyover::worker
