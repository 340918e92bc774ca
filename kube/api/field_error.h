// Field-level validation errors in the shape Kubernetes reports them.
//
// A FieldError names the path of the offending field ("spec.training.steps",
// "spec.faultTolerance.recoveryLevels[1]", "metadata.labels[app]"), a type and a
// detail, and formats exactly as kube-apiserver does, e.g.
//   spec.npusPerReplica: Invalid value: 3: must be 1 or an even number from 2 to 16
// Decoders and validators append to an ErrorList and never stop at the first problem,
// so a user sees every mistake at once. Not thread-safe; values are cheap to copy.
#ifndef FLYOVER_KUBE_API_FIELD_ERROR_H_
#define FLYOVER_KUBE_API_FIELD_ERROR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// A dotted path to a field, built up as a decoder descends.
class FieldPath {
 public:
  FieldPath() = default;
  explicit FieldPath(absl::string_view root) : path_(root) {}

  [[nodiscard]] FieldPath Child(absl::string_view name) const;
  [[nodiscard]] FieldPath Index(size_t i) const;
  [[nodiscard]] FieldPath Key(absl::string_view key) const;
  [[nodiscard]] const std::string& String() const { return path_; }

 private:
  std::string path_;
};

enum class FieldErrorType {
  kRequired,      // "Required value"
  kInvalid,       // "Invalid value: <value>"
  kNotSupported,  // "Unsupported value: <value>: supported values: ..."
  kDuplicate,     // "Duplicate value: <value>"
  kForbidden,     // "Forbidden"
  kUnknownField,  // "Unknown field"
  kTooLong,       // "Too long"
};

struct FieldError {
  FieldErrorType type;
  std::string field;
  nlohmann::json value;  // the offending value; null when there is none
  std::string detail;

  // "<field>: <type text>[: <value>][: <detail>]", as kube-apiserver prints it.
  [[nodiscard]] std::string ToString() const;
};

class ErrorList {
 public:
  void Required(const FieldPath& path, absl::string_view detail = "");
  void Invalid(const FieldPath& path, const nlohmann::json& value, absl::string_view detail);
  void NotSupported(const FieldPath& path, const nlohmann::json& value,
                    const std::vector<std::string>& supported);
  void Duplicate(const FieldPath& path, const nlohmann::json& value);
  void Forbidden(const FieldPath& path, absl::string_view detail);
  void UnknownField(const FieldPath& path);
  void TooLong(const FieldPath& path, size_t max_length);
  void Add(FieldError error) { errors_.push_back(std::move(error)); }

  [[nodiscard]] bool empty() const { return errors_.empty(); }
  [[nodiscard]] size_t size() const { return errors_.size(); }
  [[nodiscard]] const std::vector<FieldError>& errors() const { return errors_; }

  // One line per error.
  [[nodiscard]] std::vector<std::string> Strings() const;

  // OK when empty; otherwise InvalidArgument reading
  //   <Kind>.<group> "<name>" is invalid: [<error>, <error>]
  // (the kube-apiserver wording, which kubectl prints as is).
  [[nodiscard]] absl::Status ToStatus(absl::string_view qualified_kind,
                                      absl::string_view name) const;

 private:
  std::vector<FieldError> errors_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_FIELD_ERROR_H_
