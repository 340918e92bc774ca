#include "worker/agent/json_fields.h"

#include "absl/strings/str_cat.h"

namespace flyover::worker::json_fields {

using nlohmann::json;

namespace {

absl::Status FieldError(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

}  // namespace

std::string Path(absl::string_view parent, absl::string_view key) {
  return parent.empty() ? std::string(key) : absl::StrCat(parent, ".", key);
}

absl::StatusOr<json> ParseObject(absl::string_view text, absl::string_view what) {
  json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(what, ": not valid JSON"));
  if (!value.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": must be a JSON object"));
  }
  return value;
}

absl::StatusOr<std::string> RequiredString(const json& object, absl::string_view path,
                                           const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(Path(path, key), "required field is missing");
  if (!it->is_string()) return FieldError(Path(path, key), "must be a string");
  return it->get<std::string>();
}

absl::StatusOr<int64_t> RequiredInt(const json& object, absl::string_view path,
                                    const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(Path(path, key), "required field is missing");
  if (!it->is_number_integer()) return FieldError(Path(path, key), "must be an integer");
  return it->get<int64_t>();
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const json& object, absl::string_view path,
                                                   const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) return FieldError(Path(path, key), "must be an integer");
  return std::optional<int64_t>(it->get<int64_t>());
}

absl::StatusOr<std::optional<double>> OptionalNumber(const json& object,
                                                     absl::string_view path, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<double>();
  if (!it->is_number()) return FieldError(Path(path, key), "must be a number");
  return std::optional<double>(it->get<double>());
}

}  // namespace flyover::worker::json_fields
