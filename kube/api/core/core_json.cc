#include "kube/api/core/core_json.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"

namespace flyover::kube::core {
namespace {

// The metadata keys ObjectMeta (kube/api/meta.h) decodes; the rest stays verbatim.
constexpr std::array<const char*, 14> kObjectMetaKeys = {
    "name",        "generateName",      "namespace",         "uid",
    "resourceVersion", "generation",    "creationTimestamp", "deletionTimestamp",
    "deletionGracePeriodSeconds", "labels", "annotations",   "ownerReferences",
    "finalizers",  "managedFields"};

}  // namespace

PartialReader::PartialReader(const nlohmann::json& value, FieldPath path, ErrorList* errors)
    : value_(value), path_(std::move(path)), errors_(errors) {
  if (value_.is_object()) {
    rest_ = value_;
  } else {
    errors_->Invalid(path_, value_, "must be an object");
  }
}

const nlohmann::json* PartialReader::Take(absl::string_view key) {
  if (!value_.is_object()) return nullptr;
  const std::string name(key);
  auto it = value_.find(name);
  if (it == value_.end() || it->is_null()) return nullptr;
  rest_.erase(name);
  return &*it;
}

void PartialReader::Expect(absl::string_view key, absl::string_view expected) {
  std::string actual;
  Field(key, &actual);
  if (!actual.empty() && actual != expected) {
    errors_->Invalid(path_.Child(key), actual, absl::StrCat("must be \"", expected, "\""));
  }
}

nlohmann::json FromRest(const nlohmann::json& rest) {
  return rest.is_object() ? rest : nlohmann::json::object();
}

void ReadMetadata(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                  ObjectMeta* meta, nlohmann::json* rest) {
  if (!value.is_object()) {
    errors->Invalid(path, value, "must be an object");
    return;
  }
  nlohmann::json modelled = nlohmann::json::object();
  *rest = nlohmann::json::object();
  for (const auto& [key, field] : value.items()) {
    const bool known = std::find(kObjectMetaKeys.begin(), kObjectMetaKeys.end(), key) !=
                       kObjectMetaKeys.end();
    (known && !field.is_null() ? modelled : *rest)[key] = field;
  }
  if (rest->empty()) *rest = nullptr;
  ReadValue(modelled, path, errors, meta);
}

void ReadMetadataField(PartialReader& reader, ObjectMeta* meta, nlohmann::json* rest) {
  reader.FieldWith("metadata", meta,
                   [rest](const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                          ObjectMeta* out) { ReadMetadata(value, path, errors, out, rest); });
}

nlohmann::json EncodeMetadata(const ObjectMeta& meta, const nlohmann::json& rest) {
  nlohmann::json j = FromRest(rest);
  j.update(nlohmann::json(meta));
  return j;
}

std::string FormatMicroTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E6SZ", t, absl::UTCTimeZone());
}

void ReadMicroTime(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                   absl::Time* out) {
  std::string error;
  if (!value.is_string() ||
      !absl::ParseTime(absl::RFC3339_full, value.get<std::string>(), out, &error)) {
    errors->Invalid(path, value,
                    "must be an RFC 3339 time, e.g. \"2026-11-23T18:00:00.000000Z\"");
    return;
  }
  *out = absl::FromUnixMicros(absl::ToUnixMicros(*out));
}

void ReadMicroTime(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                   std::optional<absl::Time>* out) {
  const size_t errors_before = errors->size();
  absl::Time t;
  ReadMicroTime(value, path, errors, &t);
  if (errors->size() == errors_before) *out = t;
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               IntOrString* out) {
  if (value.is_string()) {
    out->value = value.get<std::string>();
    return;
  }
  int32_t number = 0;
  if (!value.is_number_integer()) {
    errors->Invalid(path, value, "must be an integer or a string");
    return;
  }
  ReadValue(value, path, errors, &number);
  out->value = number;
}

void to_json(nlohmann::json& j, const IntOrString& value) {
  if (value.is_string()) {
    j = std::get<std::string>(value.value);
  } else {
    j = std::get<int32_t>(value.value);
  }
}

void SetTime(nlohmann::json& j, const char* key, const std::optional<absl::Time>& t) {
  if (t) j[key] = FormatKubeTime(*t);
}

void SetMicroTime(nlohmann::json& j, const char* key, const std::optional<absl::Time>& t) {
  if (t) j[key] = FormatMicroTime(*t);
}

absl::Status DecodeStatus(const ErrorList& errors, absl::string_view kind,
                          const ObjectMeta& meta) {
  return errors.ToStatus(kind, meta.name);
}

}  // namespace flyover::kube::core
