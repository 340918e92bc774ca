#include "kube/api/yaml_json_builder.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

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

}  // namespace

json ResolveYamlScalar(const std::string& tag, const std::string& text) {
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;
  if (tag == "tag:yaml.org,2002:null") return nullptr;
  return ResolvePlainScalar(text);
}

void YamlJsonBuilder::Fail(const YAML::Mark& mark, absl::string_view what) {
  if (Failed()) return;
  error_ = absl::InvalidArgumentError(
      absl::StrCat("YAML: line ", mark.line + 1, ", column ", mark.column + 1, ": ", what));
}

bool YamlJsonBuilder::Charge(size_t nodes) {
  nodes_ += nodes;
  if (nodes_ <= limits_.max_nodes) return true;
  error_ = absl::InvalidArgumentError(
      absl::StrCat("YAML document expands to more than ", limits_.max_nodes, " nodes"));
  return false;
}

bool YamlJsonBuilder::ExpectingKey() const {
  return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().pending_key;
}

void YamlJsonBuilder::OnDocumentStart(const YAML::Mark& mark) {
  document_start_ = mark;
  last_mark_ = mark;
  root_.reset();
  stack_.clear();
}

void YamlJsonBuilder::OnDocumentEnd() {
  if (Failed()) return;
  if (root_ && !root_->is_null()) documents_.push_back(*std::move(root_));
  root_.reset();
}

void YamlJsonBuilder::OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (Failed() || !Charge(1)) return;
  last_mark_ = mark;
  if (ExpectingKey()) return Fail(mark, "map keys must not be null");
  Complete(nullptr, anchor, 1);
}

void YamlJsonBuilder::OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) {
  if (Failed()) return;
  last_mark_ = mark;
  auto it = anchors_.find(anchor);
  if (it == anchors_.end()) return Fail(mark, "alias refers to a node that is not finished");
  if (ExpectingKey()) return Fail(mark, "map keys must be scalars, not aliases");
  if (!Charge(it->second.nodes)) return;
  Complete(it->second.value, 0, it->second.nodes);
}

void YamlJsonBuilder::OnScalar(const YAML::Mark& mark, const std::string& tag,
                               YAML::anchor_t anchor, const std::string& value) {
  if (Failed() || !Charge(1)) return;
  last_mark_ = mark;
  if (ExpectingKey()) {
    stack_.back().pending_key = value;
    return;
  }
  Complete(ResolveYamlScalar(tag, value), anchor, 1);
}

void YamlJsonBuilder::OnSequenceStart(const YAML::Mark& mark, const std::string& /*tag*/,
                                      YAML::anchor_t anchor, YAML::EmitterStyle::value) {
  OpenContainer(mark, anchor, json::array());
}

void YamlJsonBuilder::OnMapStart(const YAML::Mark& mark, const std::string& /*tag*/,
                                 YAML::anchor_t anchor, YAML::EmitterStyle::value) {
  OpenContainer(mark, anchor, json::object());
}

void YamlJsonBuilder::OnSequenceEnd() { CloseContainer(); }
void YamlJsonBuilder::OnMapEnd() { CloseContainer(); }

void YamlJsonBuilder::OpenContainer(const YAML::Mark& mark, YAML::anchor_t anchor, json empty) {
  if (Failed() || !Charge(1)) return;
  last_mark_ = mark;
  if (ExpectingKey()) return Fail(mark, "map keys must be scalars");
  if (stack_.size() >= limits_.max_depth) {
    error_ = absl::InvalidArgumentError(
        absl::StrCat("YAML document nests deeper than ", limits_.max_depth, " levels"));
    return;
  }
  stack_.push_back(Frame{.value = std::move(empty), .anchor = anchor});
}

void YamlJsonBuilder::CloseContainer() {
  if (Failed() || stack_.empty()) return;
  Frame done = std::move(stack_.back());
  stack_.pop_back();
  if (done.pending_key) return Fail(last_mark_, "map key without a value");
  Complete(std::move(done.value), done.anchor, done.nodes);
}

void YamlJsonBuilder::Complete(json value, YAML::anchor_t anchor, size_t nodes) {
  if (anchor != 0) anchors_[anchor] = Anchored{value, nodes};
  if (stack_.empty()) {
    root_ = std::move(value);
    return;
  }
  Frame& parent = stack_.back();
  parent.nodes += nodes;
  if (parent.value.is_array()) {
    parent.value.push_back(std::move(value));
    return;
  }
  parent.value[*parent.pending_key] = std::move(value);
  parent.pending_key.reset();
}

}  // namespace flyover::kube
