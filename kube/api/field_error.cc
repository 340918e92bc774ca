#include "kube/api/field_error.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kube/api/json_util.h"

namespace flyover::kube {
namespace {

// Values print as Go's %v would for the types we report: strings quoted, numbers bare.
std::string FormatValue(const nlohmann::json& value) {
  if (value.is_string()) return absl::StrCat("\"", value.get<std::string>(), "\"");
  return DumpJson(value);
}

}  // namespace

FieldPath FieldPath::Child(absl::string_view name) const {
  FieldPath child;
  child.path_ = path_.empty() ? std::string(name) : absl::StrCat(path_, ".", name);
  return child;
}

FieldPath FieldPath::Index(size_t i) const {
  FieldPath child;
  child.path_ = absl::StrCat(path_, "[", i, "]");
  return child;
}

FieldPath FieldPath::Key(absl::string_view key) const {
  FieldPath child;
  child.path_ = absl::StrCat(path_, "[", key, "]");
  return child;
}

std::string FieldError::ToString() const {
  std::string body;
  switch (type) {
    case FieldErrorType::kRequired:
      body = "Required value";
      break;
    case FieldErrorType::kInvalid:
      body = absl::StrCat("Invalid value: ", FormatValue(value));
      break;
    case FieldErrorType::kNotSupported:
      body = absl::StrCat("Unsupported value: ", FormatValue(value));
      break;
    case FieldErrorType::kDuplicate:
      body = absl::StrCat("Duplicate value: ", FormatValue(value));
      break;
    case FieldErrorType::kForbidden:
      body = "Forbidden";
      break;
    case FieldErrorType::kUnknownField:
      body = "Unknown field";
      break;
    case FieldErrorType::kTooLong:
      body = "Too long";
      break;
  }
  if (!detail.empty()) absl::StrAppend(&body, ": ", detail);
  return absl::StrCat(field, ": ", body);
}

void ErrorList::Required(const FieldPath& path, absl::string_view detail) {
  errors_.push_back({FieldErrorType::kRequired, path.String(), nullptr, std::string(detail)});
}

void ErrorList::Invalid(const FieldPath& path, const nlohmann::json& value,
                        absl::string_view detail) {
  errors_.push_back({FieldErrorType::kInvalid, path.String(), value, std::string(detail)});
}

void ErrorList::NotSupported(const FieldPath& path, const nlohmann::json& value,
                             const std::vector<std::string>& supported) {
  std::vector<std::string> quoted;
  for (const std::string& s : supported) quoted.push_back(absl::StrCat("\"", s, "\""));
  errors_.push_back({FieldErrorType::kNotSupported, path.String(), value,
                     absl::StrCat("supported values: ", absl::StrJoin(quoted, ", "))});
}

void ErrorList::Duplicate(const FieldPath& path, const nlohmann::json& value) {
  errors_.push_back({FieldErrorType::kDuplicate, path.String(), value, ""});
}

void ErrorList::Forbidden(const FieldPath& path, absl::string_view detail) {
  errors_.push_back({FieldErrorType::kForbidden, path.String(), nullptr, std::string(detail)});
}

void ErrorList::UnknownField(const FieldPath& path) {
  errors_.push_back({FieldErrorType::kUnknownField, path.String(), nullptr, ""});
}

void ErrorList::TooLong(const FieldPath& path, size_t max_length) {
  errors_.push_back({FieldErrorType::kTooLong, path.String(), nullptr,
                     absl::StrCat("may not be longer than ", max_length)});
}

std::vector<std::string> ErrorList::Strings() const {
  std::vector<std::string> lines;
  lines.reserve(errors_.size());
  for (const FieldError& e : errors_) lines.push_back(e.ToString());
  return lines;
}

absl::Status ErrorList::ToStatus(absl::string_view qualified_kind,
                                 absl::string_view name) const {
  if (errors_.empty()) return absl::OkStatus();
  const std::vector<std::string> lines = Strings();
  const std::string joined =
      lines.size() == 1 ? lines[0] : absl::StrCat("[", absl::StrJoin(lines, ", "), "]");
  return absl::InvalidArgumentError(
      absl::StrCat(qualified_kind, " \"", name, "\" is invalid: ", joined));
}

}  // namespace flyover::kube
