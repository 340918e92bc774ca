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
#include "yaml-cpp/yaml.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

bool IsOneOf(const std::string& s, std::initializer_list<const char*> options) {
  for (const char* o : options) {
    if (s == o) return true;
  }
  return false;
}

// Integers as go-yaml resolves them: [-+]?[0-9]+, 0x..., 0o...; underscores are not taken.
std::optional<json> ResolveInteger(const std::string& s) {
  if (s.empty()) return std::nullopt;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  int base = 10;
  if (s.size() > i + 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o')) {
    base = s[i + 1] == 'x' ? 16 : 8;
    i += 2;
  }
  if (i >= s.size()) return std::nullopt;
  for (size_t k = i; k < s.size(); ++k) {
    const char c = s[k];
    const bool ok = base == 16 ? absl::ascii_isxdigit(c) : (c >= '0' && c < '0' + base);
    if (!ok) return std::nullopt;
  }
  const std::string digits = s.substr(i);
  const bool negative = s[0] == '-';
  errno = 0;
  unsigned long long magnitude = std::strtoull(digits.c_str(), nullptr, base);
  if (errno == ERANGE) return json(std::strtod(s.c_str(), nullptr));
  if (!negative) {
    if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
      return json(static_cast<int64_t>(magnitude));
    }
    return json(static_cast<uint64_t>(magnitude));
  }
  if (magnitude <= static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) {
    return json(static_cast<int64_t>(0 - magnitude));
  }
  return json(-static_cast<double>(magnitude));
}

std::optional<json> ResolveFloat(const std::string& s) {
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return json(std::numeric_limits<double>::infinity());
  }
  if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) {
    return json(-std::numeric_limits<double>::infinity());
  }
  if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) return json(std::nan(""));
  // [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits == 0 && frac_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return json(std::strtod(s.c_str(), nullptr));
}

json ResolvePlainScalar(const std::string& s) {
  if (IsOneOf(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (IsOneOf(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})) {
    return true;
  }
  if (IsOneOf(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})) {
    return false;
  }
  if (std::optional<json> i = ResolveInteger(s)) return *i;
  if (std::optional<json> f = ResolveFloat(s)) return *f;
  return s;
}

json ResolveScalar(const YAML::Node& node) {
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;
  if (tag == "tag:yaml.org,2002:null") return nullptr;
  return ResolvePlainScalar(text);
}

class Converter {
 public:
  explicit Converter(const YamlLimits& limits) : limits_(limits) {}

  absl::StatusOr<json> Convert(const YAML::Node& node, size_t depth) {
    if (++nodes_ > limits_.max_nodes) {
      return absl::InvalidArgumentError(
          absl::StrCat("YAML document expands to more than ", limits_.max_nodes, " nodes"));
    }
    if (depth > limits_.max_depth) {
      return absl::InvalidArgumentError(
          absl::StrCat("YAML document nests deeper than ", limits_.max_depth, " levels"));
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return json(nullptr);
      case YAML::NodeType::Scalar:
        return ResolveScalar(node);
      case YAML::NodeType::Sequence:
        return ConvertSequence(node, depth);
      case YAML::NodeType::Map:
        return ConvertMap(node, depth);
    }
    return json(nullptr);
  }

 private:
  absl::StatusOr<json> ConvertSequence(const YAML::Node& node, size_t depth) {
    json out = json::array();
    for (const YAML::Node& item : node) {
      absl::StatusOr<json> v = Convert(item, depth + 1);
      if (!v.ok()) return v.status();
      out.push_back(*std::move(v));
    }
    return out;
  }

  absl::StatusOr<json> ConvertMap(const YAML::Node& node, size_t depth) {
    json out = json::object();
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", entry.first.Mark().line + 1, ": map keys must be scalars"));
      }
      absl::StatusOr<json> v = Convert(entry.second, depth + 1);
      if (!v.ok()) return v.status();
      out[entry.first.Scalar()] = *std::move(v);
    }
    return out;
  }

  const YamlLimits& limits_;
  size_t nodes_ = 0;
};

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
    if (!ResolvePlainScalar(s).is_string()) {
      out << YAML::DoubleQuoted << s;
    } else {
      out << s;
    }
  } else if (value.is_null()) {
    out << YAML::Null;
  } else {
    out << value.dump();
  }
}

}  // namespace

absl::StatusOr<std::vector<json>> ParseYamlDocuments(absl::string_view text,
                                                     const YamlLimits& limits) {
  std::vector<YAML::Node> nodes;
  try {
    nodes = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("YAML: ", e.what()));
  }
  std::vector<json> docs;
  for (const YAML::Node& node : nodes) {
    if (node.IsNull()) continue;
    Converter converter(limits);
    absl::StatusOr<json> doc = converter.Convert(node, 0);
    if (!doc.ok()) return doc.status();
    docs.push_back(*std::move(doc));
  }
  return docs;
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
