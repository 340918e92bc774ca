#include "kube/api/meta.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kube/api/names.h"

namespace flyover::kube {
namespace {

// Total annotation bytes kube-apiserver accepts per object.
constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

template <typename T>
void SetUnlessEmpty(nlohmann::json& j, const char* key, const T& value) {
  if (!value.empty()) j[key] = value;
}

}  // namespace

std::string FormatKubeTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", t, absl::UTCTimeZone());
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               absl::Time* out) {
  std::string error;
  if (!value.is_string() || !absl::ParseTime(absl::RFC3339_full, value.get<std::string>(),
                                             out, &error)) {
    errors->Invalid(path, value, "must be an RFC 3339 time, e.g. \"2026-11-23T18:00:00Z\"");
    return;
  }
  // metav1.Time keeps whole seconds.
  *out = absl::FromUnixSeconds(absl::ToUnixSeconds(*out));
}

void to_json(nlohmann::json& j, const OwnerReference& ref) {
  j = nlohmann::json::object();
  j["apiVersion"] = ref.api_version;
  j["kind"] = ref.kind;
  j["name"] = ref.name;
  j["uid"] = ref.uid;
  SetIfPresent(j, "controller", ref.controller);
  SetIfPresent(j, "blockOwnerDeletion", ref.block_owner_deletion);
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               OwnerReference* out) {
  ObjectReader r(value, path, errors);
  r.RequiredField("apiVersion", &out->api_version);
  r.RequiredField("kind", &out->kind);
  r.RequiredField("name", &out->name);
  r.RequiredField("uid", &out->uid);
  r.Field("controller", &out->controller);
  r.Field("blockOwnerDeletion", &out->block_owner_deletion);
  r.Finish();
}

void to_json(nlohmann::json& j, const ObjectMeta& meta) {
  j = nlohmann::json::object();
  SetUnlessEmpty(j, "name", meta.name);
  SetUnlessEmpty(j, "generateName", meta.generate_name);
  SetUnlessEmpty(j, "namespace", meta.namespace_);
  SetUnlessEmpty(j, "uid", meta.uid);
  SetUnlessEmpty(j, "resourceVersion", meta.resource_version);
  if (meta.generation != 0) j["generation"] = meta.generation;
  if (meta.creation_timestamp) j["creationTimestamp"] = FormatKubeTime(*meta.creation_timestamp);
  if (meta.deletion_timestamp) j["deletionTimestamp"] = FormatKubeTime(*meta.deletion_timestamp);
  SetIfPresent(j, "deletionGracePeriodSeconds", meta.deletion_grace_period_seconds);
  SetUnlessEmpty(j, "labels", meta.labels);
  SetUnlessEmpty(j, "annotations", meta.annotations);
  SetUnlessEmpty(j, "ownerReferences", meta.owner_references);
  SetUnlessEmpty(j, "finalizers", meta.finalizers);
  if (!meta.managed_fields.is_null()) j["managedFields"] = meta.managed_fields;
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ObjectMeta* out) {
  ObjectReader r(value, path, errors);
  r.Field("name", &out->name);
  r.Field("generateName", &out->generate_name);
  r.Field("namespace", &out->namespace_);
  r.Field("uid", &out->uid);
  r.Field("resourceVersion", &out->resource_version);
  r.Field("generation", &out->generation);
  r.Field("creationTimestamp", &out->creation_timestamp);
  r.Field("deletionTimestamp", &out->deletion_timestamp);
  r.Field("deletionGracePeriodSeconds", &out->deletion_grace_period_seconds);
  r.Field("labels", &out->labels);
  r.Field("annotations", &out->annotations);
  r.Field("ownerReferences", &out->owner_references);
  r.Field("finalizers", &out->finalizers);
  r.Field("managedFields", &out->managed_fields);
  // Read-only fields some clients echo back; accepted and dropped as the server does.
  r.Ignore("selfLink");
  r.Finish();
}

void to_json(nlohmann::json& j, const Condition& condition) {
  j = nlohmann::json::object();
  j["type"] = condition.type;
  j["status"] = EnumName(condition.status);
  if (condition.observed_generation != 0) j["observedGeneration"] = condition.observed_generation;
  if (condition.last_transition_time) {
    j["lastTransitionTime"] = FormatKubeTime(*condition.last_transition_time);
  }
  SetUnlessEmpty(j, "reason", condition.reason);
  SetUnlessEmpty(j, "message", condition.message);
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               Condition* out) {
  ObjectReader r(value, path, errors);
  r.RequiredField("type", &out->type);
  r.RequiredField("status", &out->status);
  r.Field("observedGeneration", &out->observed_generation);
  r.Field("lastTransitionTime", &out->last_transition_time);
  r.Field("reason", &out->reason);
  r.Field("message", &out->message);
  r.Finish();
}

bool SetCondition(std::vector<Condition>* conditions, Condition condition, absl::Time now) {
  auto it = std::find_if(conditions->begin(), conditions->end(),
                         [&](const Condition& c) { return c.type == condition.type; });
  if (it == conditions->end()) {
    if (!condition.last_transition_time) condition.last_transition_time = now;
    conditions->push_back(std::move(condition));
    return true;
  }
  if (it->status != condition.status) {
    condition.last_transition_time = condition.last_transition_time.value_or(now);
  } else {
    condition.last_transition_time = it->last_transition_time;
  }
  if (*it == condition) return false;
  *it = std::move(condition);
  return true;
}

const Condition* FindCondition(const std::vector<Condition>& conditions,
                               absl::string_view type) {
  for (const Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

void ValidateObjectMeta(const ObjectMeta& meta, bool namespaced, NameFormat name_format,
                        const FieldPath& path, ErrorList* errors) {
  if (meta.name.empty() && meta.generate_name.empty()) {
    errors->Required(path.Child("name"), "name or generateName is required");
  }
  if (!meta.name.empty()) {
    const std::string reason = name_format == NameFormat::kDns1123Label
                                   ? CheckDns1123Label(meta.name)
                                   : CheckDns1123Subdomain(meta.name);
    if (!reason.empty()) {
      errors->Invalid(path.Child("name"), meta.name, reason);
    }
  }
  if (namespaced && !meta.namespace_.empty()) {
    if (std::string reason = CheckDns1123Label(meta.namespace_); !reason.empty()) {
      errors->Invalid(path.Child("namespace"), meta.namespace_, reason);
    }
  }
  if (!namespaced && !meta.namespace_.empty()) {
    errors->Forbidden(path.Child("namespace"), "not allowed on this type");
  }
  for (const auto& [key, value] : meta.labels) {
    if (std::string reason = CheckQualifiedName(key); !reason.empty()) {
      errors->Invalid(path.Child("labels"), key, reason);
    }
    if (std::string reason = CheckLabelValue(value); !reason.empty()) {
      errors->Invalid(path.Child("labels").Key(key), value, reason);
    }
  }
  size_t annotation_bytes = 0;
  for (const auto& [key, value] : meta.annotations) {
    if (std::string reason = CheckQualifiedName(key); !reason.empty()) {
      errors->Invalid(path.Child("annotations"), key, reason);
    }
    annotation_bytes += key.size() + value.size();
  }
  if (annotation_bytes > kTotalAnnotationSizeLimit) {
    errors->TooLong(path.Child("annotations"), kTotalAnnotationSizeLimit);
  }
}

}  // namespace flyover::kube
