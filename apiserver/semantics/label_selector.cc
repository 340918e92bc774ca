// Label requirements, matching and the metav1.LabelSelector conversion. The string
// parser lives in label_selector_parser.cc.
#include "apiserver/semantics/label_selector.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "kube/api/field_error.h"
#include "kube/api/json_util.h"
#include "kube/api/names.h"

namespace flyover::apiserver {
namespace {

using nlohmann::json;

json ValuesJson(const std::vector<std::string>& values) {
  json out = json::array();
  for (const std::string& v : values) out.push_back(v);
  return out;
}

// Go's strconv.ParseInt(value, 10, 64): an optional sign and digits, nothing else.
bool IsInteger(const std::string& value, int64_t* out) {
  if (value.empty() || absl::ascii_isspace(value.front()) || absl::ascii_isspace(value.back())) {
    return false;
  }
  return absl::SimpleAtoi(value, out);
}

void CheckValueCount(LabelOperator op, const std::vector<std::string>& values,
                     kube::ErrorList* errors) {
  const kube::FieldPath path("values");
  switch (op) {
    case LabelOperator::kIn:
    case LabelOperator::kNotIn:
      if (values.empty()) {
        errors->Invalid(path, ValuesJson(values),
                        "for 'in', 'notin' operators, values set can't be empty");
      }
      break;
    case LabelOperator::kEquals:
    case LabelOperator::kDoubleEquals:
    case LabelOperator::kNotEquals:
      if (values.size() != 1) {
        errors->Invalid(path, ValuesJson(values),
                        "exact-match compatibility requires one single value");
      }
      break;
    case LabelOperator::kExists:
    case LabelOperator::kDoesNotExist:
      if (!values.empty()) {
        errors->Invalid(path, ValuesJson(values),
                        "values set must be empty for exists and does not exist");
      }
      break;
    case LabelOperator::kGreaterThan:
    case LabelOperator::kLessThan:
      if (values.size() != 1) {
        errors->Invalid(path, ValuesJson(values),
                        "for 'Gt', 'Lt' operators, exactly one value is required");
      }
      for (size_t i = 0; i < values.size(); ++i) {
        int64_t ignored = 0;
        if (!IsInteger(values[i], &ignored)) {
          errors->Invalid(path.Index(i), values[i],
                          "for 'Gt', 'Lt' operators, the value must be an integer");
        }
      }
      break;
  }
}

// Kube's aggregate: one error as is, several as "[a, b]", duplicates dropped.
std::string Aggregate(const kube::ErrorList& errors) {
  std::vector<std::string> unique;
  std::set<std::string> seen;
  for (std::string& line : errors.Strings()) {
    if (seen.insert(line).second) unique.push_back(std::move(line));
  }
  if (unique.size() == 1) return unique[0];
  return absl::StrCat("[", absl::StrJoin(unique, ", "), "]");
}

const char* OperatorText(LabelOperator op) {
  switch (op) {
    case LabelOperator::kEquals: return "=";
    case LabelOperator::kDoubleEquals: return "==";
    case LabelOperator::kNotEquals: return "!=";
    case LabelOperator::kIn: return " in ";
    case LabelOperator::kNotIn: return " notin ";
    case LabelOperator::kGreaterThan: return ">";
    case LabelOperator::kLessThan: return "<";
    case LabelOperator::kExists:
    case LabelOperator::kDoesNotExist: break;
  }
  return "";
}

bool HasValue(const std::vector<std::string>& values, const json& value) {
  if (!value.is_string()) return false;
  return std::binary_search(values.begin(), values.end(), value.get_ref<const std::string&>());
}

bool CompareInteger(const LabelRequirement& r, const json& value) {
  int64_t have = 0;
  int64_t bound = 0;
  if (!value.is_string() || r.values.size() != 1) return false;
  if (!IsInteger(value.get<std::string>(), &have) || !IsInteger(r.values[0], &bound)) {
    return false;
  }
  return r.op == LabelOperator::kGreaterThan ? have > bound : have < bound;
}

}  // namespace

absl::StatusOr<LabelRequirement> MakeLabelRequirement(std::string key, LabelOperator op,
                                                      std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  kube::ErrorList errors;
  if (std::string reason = kube::CheckQualifiedName(key); !reason.empty()) {
    errors.Invalid(kube::FieldPath("key"), key, reason);
  }
  CheckValueCount(op, values, &errors);
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::string reason = kube::CheckLabelValue(values[i]); !reason.empty()) {
      errors.Invalid(kube::FieldPath("values").Index(i).Key(key), values[i], reason);
    }
  }
  if (!errors.empty()) return absl::InvalidArgumentError(Aggregate(errors));
  return LabelRequirement{std::move(key), op, std::move(values)};
}

bool LabelRequirement::Matches(const json& labels) const {
  const bool is_object = labels.is_object();
  auto it = is_object ? labels.find(key) : labels.end();
  const bool present = is_object && it != labels.end();
  switch (op) {
    case LabelOperator::kEquals:
    case LabelOperator::kDoubleEquals:
    case LabelOperator::kIn:
      return present && HasValue(values, *it);
    case LabelOperator::kNotEquals:
    case LabelOperator::kNotIn:
      return !present || !HasValue(values, *it);
    case LabelOperator::kExists:
      return present;
    case LabelOperator::kDoesNotExist:
      return !present;
    case LabelOperator::kGreaterThan:
    case LabelOperator::kLessThan:
      return present && CompareInteger(*this, *it);
  }
  return false;
}

std::string LabelRequirement::String() const {
  if (op == LabelOperator::kDoesNotExist) return absl::StrCat("!", key);
  if (op == LabelOperator::kExists) return key;
  std::string joined = absl::StrJoin(values, ",");
  if (op == LabelOperator::kIn || op == LabelOperator::kNotIn) {
    joined = absl::StrCat("(", joined, ")");
  }
  return absl::StrCat(key, OperatorText(op), joined);
}

LabelSelector::LabelSelector(std::vector<LabelRequirement> requirements)
    : requirements_(std::move(requirements)) {
  std::stable_sort(requirements_.begin(), requirements_.end(),
                   [](const LabelRequirement& a, const LabelRequirement& b) {
                     return a.key < b.key;
                   });
}

LabelSelector LabelSelector::Nothing() {
  LabelSelector selector;
  selector.nothing_ = true;
  return selector;
}

bool LabelSelector::Matches(const json& labels) const {
  if (nothing_) return false;
  for (const LabelRequirement& requirement : requirements_) {
    if (!requirement.Matches(labels)) return false;
  }
  return true;
}

bool LabelSelector::MatchesObject(const json& object) const {
  static const json kNoLabels = json::object();
  if (!object.is_object()) return Matches(kNoLabels);
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return Matches(kNoLabels);
  auto labels = metadata->find("labels");
  return Matches(labels == metadata->end() ? kNoLabels : *labels);
}

std::string LabelSelector::String() const {
  std::vector<std::string> parts;
  for (const LabelRequirement& requirement : requirements_) {
    parts.push_back(requirement.String());
  }
  return absl::StrJoin(parts, ",");
}

namespace {

absl::StatusOr<std::vector<std::string>> StringValues(const json& expression) {
  std::vector<std::string> values;
  auto it = expression.find("values");
  if (it == expression.end() || it->is_null()) return values;
  if (!it->is_array()) return absl::InvalidArgumentError("values: must be a list of strings");
  for (const json& value : *it) {
    if (!value.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "values: Invalid value: ", kube::DumpJson(value), ": must be a string"));
    }
    values.push_back(value.get<std::string>());
  }
  return values;
}

absl::StatusOr<LabelRequirement> ExpressionRequirement(const json& expression) {
  if (!expression.is_object()) {
    return absl::InvalidArgumentError("matchExpressions: each entry must be an object");
  }
  const json key = expression.value("key", json(""));
  const json op = expression.value("operator", json(""));
  if (!key.is_string() || !op.is_string()) {
    return absl::InvalidArgumentError("matchExpressions: key and operator must be strings");
  }
  LabelOperator parsed;
  const std::string op_text = op.get<std::string>();
  if (op_text == "In") {
    parsed = LabelOperator::kIn;
  } else if (op_text == "NotIn") {
    parsed = LabelOperator::kNotIn;
  } else if (op_text == "Exists") {
    parsed = LabelOperator::kExists;
  } else if (op_text == "DoesNotExist") {
    parsed = LabelOperator::kDoesNotExist;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", op_text, "\" is not a valid label selector operator"));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> values, StringValues(expression));
  return MakeLabelRequirement(key.get<std::string>(), parsed, std::move(values));
}

absl::StatusOr<std::vector<LabelRequirement>> SelectorRequirements(const json& selector) {
  std::vector<LabelRequirement> requirements;
  auto labels = selector.find("matchLabels");
  if (labels != selector.end() && !labels->is_null()) {
    if (!labels->is_object()) return absl::InvalidArgumentError("matchLabels: must be an object");
    for (const auto& [key, value] : labels->items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat("matchLabels[", key, "]: Invalid value: ",
                                                       kube::DumpJson(value),
                                                       ": must be a string"));
      }
      std::vector<std::string> values = {value.get<std::string>()};
      ASSIGN_OR_RETURN(LabelRequirement requirement,
                       MakeLabelRequirement(key, LabelOperator::kEquals, std::move(values)));
      requirements.push_back(std::move(requirement));
    }
  }
  auto expressions = selector.find("matchExpressions");
  if (expressions != selector.end() && !expressions->is_null()) {
    if (!expressions->is_array()) {
      return absl::InvalidArgumentError("matchExpressions: must be a list");
    }
    for (const json& expression : *expressions) {
      ASSIGN_OR_RETURN(LabelRequirement requirement, ExpressionRequirement(expression));
      requirements.push_back(std::move(requirement));
    }
  }
  return requirements;
}

}  // namespace

absl::StatusOr<LabelSelector> LabelSelector::FromJson(const json& selector) {
  if (selector.is_null()) return Nothing();
  if (!selector.is_object()) {
    return absl::InvalidArgumentError("a label selector must be an object or null");
  }
  ASSIGN_OR_RETURN(std::vector<LabelRequirement> requirements, SelectorRequirements(selector));
  return LabelSelector(std::move(requirements));
}

}  // namespace flyover::apiserver
