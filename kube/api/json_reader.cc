#include "kube/api/json_reader.h"

#include <cmath>
#include <limits>

namespace flyover::kube {
namespace {

// JSON integers may arrive as floats with an integral value (YAML "2.0" or a
// client that writes 1e3); Kubernetes accepts neither, and neither do we.
template <typename Int>
void ReadInteger(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                 Int* out) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      const uint64_t u = value.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
        errors->Invalid(path, value, "out of range");
        return;
      }
      *out = static_cast<Int>(u);
      return;
    }
    const int64_t i = value.get<int64_t>();
    if (i < std::numeric_limits<Int>::min() || i > std::numeric_limits<Int>::max()) {
      errors->Invalid(path, value, "out of range");
      return;
    }
    *out = static_cast<Int>(i);
    return;
  }
  errors->Invalid(path, value, "must be an integer");
}

}  // namespace

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               std::string* out) {
  if (!value.is_string()) {
    errors->Invalid(path, value, "must be a string");
    return;
  }
  *out = value.get<std::string>();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               int32_t* out) {
  ReadInteger(value, path, errors, out);
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               int64_t* out) {
  ReadInteger(value, path, errors, out);
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               double* out) {
  if (!value.is_number()) {
    errors->Invalid(path, value, "must be a number");
    return;
  }
  const double d = value.get<double>();
  if (!std::isfinite(d)) {
    errors->Invalid(path, value, "must be a finite number");
    return;
  }
  *out = d;
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               bool* out) {
  if (!value.is_boolean()) {
    errors->Invalid(path, value, "must be a boolean");
    return;
  }
  *out = value.get<bool>();
}

void ReadValue(const nlohmann::json& value, const FieldPath& /*path*/, ErrorList* /*errors*/,
               nlohmann::json* out) {
  *out = value;
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               std::map<std::string, std::string>* out) {
  if (!value.is_object()) {
    errors->Invalid(path, value, "must be a map of strings");
    return;
  }
  out->clear();
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string()) {
      errors->Invalid(path.Key(key), v, "must be a string");
      continue;
    }
    (*out)[key] = v.get<std::string>();
  }
}

ObjectReader::ObjectReader(const nlohmann::json& value, FieldPath path, ErrorList* errors)
    : value_(value), path_(std::move(path)), errors_(errors), is_object_(value.is_object()) {
  if (!is_object_) errors_->Invalid(path_, value_, "must be an object");
}

const nlohmann::json* ObjectReader::Take(absl::string_view key) {
  if (!is_object_) return nullptr;
  taken_.emplace(key);
  auto it = value_.find(std::string(key));
  return it == value_.end() ? nullptr : &*it;
}

void ObjectReader::Finish() {
  if (!is_object_) return;
  for (const auto& item : value_.items()) {
    if (taken_.find(item.key()) == taken_.end()) errors_->UnknownField(path_.Child(item.key()));
  }
}

}  // namespace flyover::kube
