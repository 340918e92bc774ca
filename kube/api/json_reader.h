// Strict JSON decoding for API types.
//
// An ObjectReader walks one JSON object, reads the fields a type declares, and reports
// every key it did not read as an Unknown field: nothing is silently dropped. Type
// mismatches are reported with the field path and the offending value. All problems go
// to an ErrorList; decoding never throws and never stops at the first error.
//
// Types decode through ReadValue overloads: the ones here cover JSON scalars, strings,
// string maps, vectors, optionals and enums with EnumNames; API structs add an overload
// `void ReadValue(const nlohmann::json&, const FieldPath&, ErrorList*, T*)` in their own
// namespace (found by argument-dependent lookup). Explicit JSON null counts as absent,
// as it does for the optional fields of the Kubernetes API.
#ifndef FLYOVER_KUBE_API_JSON_READER_H_
#define FLYOVER_KUBE_API_JSON_READER_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "kube/api/field_error.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// Specialise for an enum to make it readable and writable as its name:
//   template <> struct EnumNames<Phase> {
//     static constexpr std::array<std::pair<Phase, const char*>, 2> kValues{{...}};
//   };
template <typename E>
struct EnumNames;

template <typename E>
const char* EnumName(E value) {
  for (const auto& [v, name] : EnumNames<E>::kValues) {
    if (v == value) return name;
  }
  return "";
}

template <typename E>
std::optional<E> ParseEnum(absl::string_view name) {
  for (const auto& [v, n] : EnumNames<E>::kValues) {
    if (name == n) return v;
  }
  return std::nullopt;
}

template <typename E>
std::vector<std::string> EnumNameList() {
  std::vector<std::string> names;
  for (const auto& entry : EnumNames<E>::kValues) names.emplace_back(entry.second);
  return names;
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               std::string* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               int32_t* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               int64_t* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               double* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               bool* out);
// Any JSON value, kept verbatim (for embedded objects such as a pod template).
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               nlohmann::json* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               std::map<std::string, std::string>* out);

template <typename E>
  requires std::is_enum_v<E>
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors, E* out) {
  if (!value.is_string()) {
    errors->NotSupported(path, value, EnumNameList<E>());
    return;
  }
  std::optional<E> parsed = ParseEnum<E>(value.get<std::string>());
  if (!parsed) {
    errors->NotSupported(path, value, EnumNameList<E>());
    return;
  }
  *out = *parsed;
}

template <typename T>
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               std::vector<T>* out) {
  if (!value.is_array()) {
    errors->Invalid(path, value, "must be a list");
    return;
  }
  out->clear();
  out->reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    T element{};
    ReadValue(value[i], path.Index(i), errors, &element);
    out->push_back(std::move(element));
  }
}

template <typename T>
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               std::optional<T>* out) {
  if (value.is_null()) {
    out->reset();
    return;
  }
  T inner{};
  ReadValue(value, path, errors, &inner);
  *out = std::move(inner);
}

class ObjectReader {
 public:
  // `value` must outlive the reader. If it is not an object, one error is reported and
  // every later read is a no-op.
  ObjectReader(const nlohmann::json& value, FieldPath path, ErrorList* errors);

  // Reads `key` into *out when present and not null; leaves *out (its default) otherwise.
  template <typename T>
  void Field(absl::string_view key, T* out) {
    if (const nlohmann::json* v = Take(key); v != nullptr && !v->is_null()) {
      ReadValue(*v, path_.Child(key), errors_, out);
    }
  }

  // Like Field, but an absent or null key is a "Required value" error.
  template <typename T>
  void RequiredField(absl::string_view key, T* out) {
    const nlohmann::json* v = Take(key);
    if (v == nullptr || v->is_null()) {
      if (is_object_) errors_->Required(path_.Child(key));
      return;
    }
    ReadValue(*v, path_.Child(key), errors_, out);
  }

  // Marks `key` as known without reading it.
  void Ignore(absl::string_view key) { Take(key); }

  // Reports every key that no Field/RequiredField/Ignore call named.
  void Finish();

  [[nodiscard]] bool is_object() const { return is_object_; }

 private:
  const nlohmann::json* Take(absl::string_view key);

  const nlohmann::json& value_;
  FieldPath path_;
  ErrorList* errors_;
  bool is_object_;
  std::set<std::string, std::less<>> taken_;
};

// Sets j[key] when the optional holds a value.
template <typename T>
void SetIfPresent(nlohmann::json& j, const char* key, const std::optional<T>& value) {
  if (value.has_value()) j[key] = *value;
}

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_JSON_READER_H_
