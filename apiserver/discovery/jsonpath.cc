#include "apiserver/discovery/jsonpath.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace flyover::apiserver::discovery {
namespace {

absl::Status Malformed(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("JSONPath \"", path, "\": ", why));
}

absl::Status Unsupported(absl::string_view path, absl::string_view what) {
  return absl::UnimplementedError(
      absl::StrCat("JSONPath \"", path, "\": ", what, " is not supported"));
}

// Reads a dotted field name up to the next unescaped '.' or '['; `\.` is a literal dot.
absl::StatusOr<std::string> ReadFieldName(absl::string_view path, absl::string_view* rest) {
  std::string name;
  while (!rest->empty() && rest->front() != '.' && rest->front() != '[') {
    char c = rest->front();
    rest->remove_prefix(1);
    if (c == '\\' && !rest->empty()) {
      name.push_back(rest->front());
      rest->remove_prefix(1);
      continue;
    }
    if (c == '*') return Unsupported(path, "a wildcard");
    if (c == '(' || c == ')' || c == ',' || c == '{' || c == '}' || c == ' ') {
      return Malformed(path, absl::StrCat("unexpected '", std::string(1, c), "'"));
    }
    name.push_back(c);
  }
  if (name.empty()) return Malformed(path, "empty field name");
  return name;
}

// Reads `[N]` or `['name']` (the '[' already consumed).
absl::StatusOr<JsonPathStep> ReadBracket(absl::string_view path, absl::string_view* rest) {
  size_t close = rest->find(']');
  if (close == absl::string_view::npos) return Malformed(path, "unclosed '['");
  absl::string_view inside = rest->substr(0, close);
  rest->remove_prefix(close + 1);
  JsonPathStep step;
  if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
      inside.back() == inside.front()) {
    step.field = std::string(inside.substr(1, inside.size() - 2));
    if (step.field.empty()) return Malformed(path, "empty field name");
    return step;
  }
  if (inside == "*") return Unsupported(path, "a wildcard");
  if (absl::StartsWith(inside, "?")) return Unsupported(path, "a filter");
  if (absl::StrContains(inside, ":")) return Unsupported(path, "a slice");
  if (absl::StrContains(inside, ",")) return Unsupported(path, "a union");
  step.is_index = true;
  if (!absl::SimpleAtoi(inside, &step.index)) {
    return Malformed(path, absl::StrCat("bad array index \"", inside, "\""));
  }
  return step;
}

}  // namespace

absl::StatusOr<std::vector<JsonPathStep>> ParseJsonPath(absl::string_view path) {
  absl::string_view rest = absl::StripAsciiWhitespace(path);
  if (absl::ConsumePrefix(&rest, "{") && !absl::ConsumeSuffix(&rest, "}")) {
    return Malformed(path, "unclosed '{'");
  }
  absl::ConsumePrefix(&rest, "$");
  if (rest.empty()) return Malformed(path, "must select a field, such as .status.phase");
  if (absl::StrContains(rest, "..")) return Unsupported(path, "recursive descent");
  std::vector<JsonPathStep> steps;
  while (!rest.empty()) {
    if (absl::ConsumePrefix(&rest, "[")) {
      absl::StatusOr<JsonPathStep> step = ReadBracket(path, &rest);
      if (!step.ok()) return step.status();
      steps.push_back(*std::move(step));
    } else if (absl::ConsumePrefix(&rest, ".")) {
      absl::StatusOr<std::string> name = ReadFieldName(path, &rest);
      if (!name.ok()) return name.status();
      steps.push_back({false, *std::move(name), 0});
    } else {
      return Malformed(path, "each step must start with '.' or '['");
    }
  }
  return steps;
}

const nlohmann::json* EvaluateJsonPath(const std::vector<JsonPathStep>& steps,
                                       const nlohmann::json& object) {
  const nlohmann::json* current = &object;
  for (const JsonPathStep& step : steps) {
    if (step.is_index) {
      if (!current->is_array()) return nullptr;
      int64_t size = static_cast<int64_t>(current->size());
      int64_t i = step.index < 0 ? size + step.index : step.index;
      if (i < 0 || i >= size) return nullptr;
      current = &(*current)[static_cast<size_t>(i)];
    } else {
      if (!current->is_object()) return nullptr;
      auto it = current->find(step.field);
      if (it == current->end()) return nullptr;
      current = &*it;
    }
  }
  return current;
}

}  // namespace flyover::apiserver::discovery
