// Kubernetes object metadata (meta/v1): ObjectMeta, OwnerReference, Condition, Time.
//
// Field names and JSON shapes follow the Kubernetes API; empty fields are omitted when
// encoding, as Go's `omitempty` does. Decoding is strict (see json_reader.h). Times are
// RFC 3339 in UTC with second precision, as metav1.Time serialises.
#ifndef FLYOVER_KUBE_API_META_H_
#define FLYOVER_KUBE_API_META_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/api/field_error.h"
#include "kube/api/json_reader.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// "2026-11-23T18:00:00Z"
[[nodiscard]] std::string FormatKubeTime(absl::Time t);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               absl::Time* out);

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;

  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  int64_t generation = 0;
  std::optional<absl::Time> creation_timestamp;
  std::optional<absl::Time> deletion_timestamp;
  std::optional<int64_t> deletion_grace_period_seconds;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<OwnerReference> owner_references;
  std::vector<std::string> finalizers;
  // Server-side apply bookkeeping, kept verbatim; null when absent.
  nlohmann::json managed_fields;

  bool operator==(const ObjectMeta&) const = default;
};

enum class ConditionStatus { kTrue, kFalse, kUnknown };
template <>
struct EnumNames<ConditionStatus> {
  static constexpr std::array<std::pair<ConditionStatus, const char*>, 3> kValues{{
      {ConditionStatus::kTrue, "True"},
      {ConditionStatus::kFalse, "False"},
      {ConditionStatus::kUnknown, "Unknown"},
  }};
};

// A metav1.Condition.
struct Condition {
  std::string type;
  ConditionStatus status = ConditionStatus::kUnknown;
  int64_t observed_generation = 0;
  std::optional<absl::Time> last_transition_time;
  std::string reason;
  std::string message;

  bool operator==(const Condition&) const = default;
};

void to_json(nlohmann::json& j, const OwnerReference& ref);
void to_json(nlohmann::json& j, const ObjectMeta& meta);
void to_json(nlohmann::json& j, const Condition& condition);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               OwnerReference* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ObjectMeta* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               Condition* out);

// Sets or updates the condition of `condition.type`, as meta.SetStatusCondition does:
// lastTransitionTime changes only when the status changes. Returns true if anything changed.
bool SetCondition(std::vector<Condition>* conditions, Condition condition, absl::Time now);
[[nodiscard]] const Condition* FindCondition(const std::vector<Condition>& conditions,
                                             absl::string_view type);

// What a kind requires of its names: most take DNS-1123 subdomains; kinds whose names
// become parts of other names (Services, PostTrainingJobs) take DNS-1123 labels.
enum class NameFormat { kDns1123Subdomain, kDns1123Label };

// Validates metadata of a namespaced (or cluster-scoped) object: a name or generateName,
// the name format, namespace, label keys and values, annotation sizes.
void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameFormat name_format,
                        const FieldPath& path, ErrorList* errors);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_META_H_
