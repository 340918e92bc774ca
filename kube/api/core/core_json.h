// Lenient JSON decoding and encoding helpers shared by the core/v1 and coordination/v1 codecs.
//
// Core objects belong to the Kubernetes API server, not to Flyover, so their codecs model
// only the fields Flyover reads and writes and keep every other field verbatim: a
// PartialReader reads the modelled keys of one JSON object and hands back the rest, which
// the encoder starts from. Unknown fields are therefore not errors (the server decides);
// a modelled field of the wrong type is, reported with its path. A modelled key whose
// value is JSON null also stays in the rest, so it survives a round trip as null.
//
// Encoders follow Go's `omitempty` rules for the fields they write, so an object as the
// server serialises it encodes back to the same JSON. Not thread-safe; values only.
#ifndef FLYOVER_KUBE_API_CORE_CORE_JSON_H_
#define FLYOVER_KUBE_API_CORE_CORE_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/api/field_error.h"
#include "kube/api/json_reader.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

class PartialReader {
 public:
  // `value` must outlive the reader. If it is not an object, one "must be an object" error
  // is reported and every later read is a no-op.
  PartialReader(const nlohmann::json& value, FieldPath path, ErrorList* errors);

  // Reads `key` into *out when present and not null, and removes it from the rest.
  template <typename T>
  void Field(absl::string_view key, T* out) {
    if (const nlohmann::json* v = Take(key); v != nullptr) {
      ReadValue(*v, path_.Child(key), errors_, out);
    }
  }

  // Like Field, with an explicit reader (for values whose JSON form is not the default).
  template <typename T, typename Read>
  void FieldWith(absl::string_view key, T* out, Read read) {
    if (const nlohmann::json* v = Take(key); v != nullptr) {
      read(*v, path_.Child(key), errors_, out);
    }
  }

  // Checks that `key`, when present, holds `expected` (apiVersion, kind); removes it.
  void Expect(absl::string_view key, absl::string_view expected);

  // Every key no Field call took, as an object; null when all were modelled, so that a
  // decoded value compares equal to one built in code.
  [[nodiscard]] nlohmann::json Rest() const { return rest_.empty() ? nullptr : rest_; }

 private:
  const nlohmann::json* Take(absl::string_view key);

  const nlohmann::json& value_;
  FieldPath path_;
  ErrorList* errors_;
  nlohmann::json rest_ = nlohmann::json::object();
};

// The object an encoder starts from: `rest` when it is an object, otherwise {}.
[[nodiscard]] nlohmann::json FromRest(const nlohmann::json& rest);

// Reads metadata as ObjectMeta; keys ObjectMeta does not model go to *rest verbatim.
void ReadMetadata(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                  ObjectMeta* meta, nlohmann::json* rest);
// Reads the "metadata" key of the object `reader` walks, as ReadMetadata does.
void ReadMetadataField(PartialReader& reader, ObjectMeta* meta, nlohmann::json* rest);
[[nodiscard]] nlohmann::json EncodeMetadata(const ObjectMeta& meta, const nlohmann::json& rest);

// metav1.MicroTime: RFC 3339 with microseconds, "2026-11-23T18:00:00.123456Z".
[[nodiscard]] std::string FormatMicroTime(absl::Time t);
void ReadMicroTime(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                   absl::Time* out);
void ReadMicroTime(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                   std::optional<absl::Time>* out);

// intstr.IntOrString: a port number or a port name.
struct IntOrString {
  std::variant<int32_t, std::string> value;

  [[nodiscard]] bool is_string() const { return value.index() == 1; }
  bool operator==(const IntOrString&) const = default;
};
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               IntOrString* out);
void to_json(nlohmann::json& j, const IntOrString& value);

template <typename T>
void SetUnlessEmpty(nlohmann::json& j, const char* key, const T& value) {
  if (!value.empty()) j[key] = value;
}
void SetTime(nlohmann::json& j, const char* key, const std::optional<absl::Time>& t);
void SetMicroTime(nlohmann::json& j, const char* key, const std::optional<absl::Time>& t);

// Turns decode problems into InvalidArgument in kube-apiserver's words, or OK.
[[nodiscard]] absl::Status DecodeStatus(const ErrorList& errors, absl::string_view kind,
                                        const ObjectMeta& meta);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_CORE_JSON_H_
