#include "kube/api/core/pod.h"

#include "kube/api/core/core_json.h"

namespace flyover::kube::core {

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PodSpec* out) {
  PartialReader r(value, path, errors);
  r.Field("nodeName", &out->node_name);
  r.Field("schedulerName", &out->scheduler_name);
  r.Field("restartPolicy", &out->restart_policy);
  r.Field("priority", &out->priority);
  r.Field("priorityClassName", &out->priority_class_name);
  r.Field("containers", &out->containers);
  r.Field("nodeSelector", &out->node_selector);
  r.FieldWith("tolerations", &out->tolerations,
              [](const nlohmann::json& v, const FieldPath& p, ErrorList* e, nlohmann::json* o) {
                if (!v.is_array()) {
                  e->Invalid(p, v, "must be a list");
                  return;
                }
                *o = v;
              });
  r.Field("terminationGracePeriodSeconds", &out->termination_grace_period_seconds);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PodCondition* out) {
  PartialReader r(value, path, errors);
  r.Field("type", &out->type);
  r.Field("status", &out->status);
  r.Field("lastTransitionTime", &out->last_transition_time);
  r.Field("reason", &out->reason);
  r.Field("message", &out->message);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PodStatus* out) {
  PartialReader r(value, path, errors);
  r.Field("phase", &out->phase);
  r.Field("conditions", &out->conditions);
  r.Field("podIP", &out->pod_ip);
  r.Field("hostIP", &out->host_ip);
  r.Field("startTime", &out->start_time);
  r.Field("containerStatuses", &out->container_statuses);
  out->rest = r.Rest();
}

void to_json(nlohmann::json& j, const PodSpec& spec) {
  j = FromRest(spec.rest);
  SetUnlessEmpty(j, "nodeName", spec.node_name);
  SetUnlessEmpty(j, "schedulerName", spec.scheduler_name);
  SetUnlessEmpty(j, "restartPolicy", spec.restart_policy);
  SetIfPresent(j, "priority", spec.priority);
  SetUnlessEmpty(j, "priorityClassName", spec.priority_class_name);
  SetUnlessEmpty(j, "containers", spec.containers);
  SetUnlessEmpty(j, "nodeSelector", spec.node_selector);
  if (!spec.tolerations.is_null()) j["tolerations"] = spec.tolerations;
  SetIfPresent(j, "terminationGracePeriodSeconds", spec.termination_grace_period_seconds);
}

void to_json(nlohmann::json& j, const PodCondition& condition) {
  j = FromRest(condition.rest);
  j["type"] = condition.type;
  j["status"] = EnumName(condition.status);
  SetTime(j, "lastTransitionTime", condition.last_transition_time);
  SetUnlessEmpty(j, "reason", condition.reason);
  SetUnlessEmpty(j, "message", condition.message);
}

void to_json(nlohmann::json& j, const PodStatus& status) {
  j = FromRest(status.rest);
  SetUnlessEmpty(j, "phase", status.phase);
  SetUnlessEmpty(j, "conditions", status.conditions);
  SetUnlessEmpty(j, "podIP", status.pod_ip);
  SetUnlessEmpty(j, "hostIP", status.host_ip);
  SetTime(j, "startTime", status.start_time);
  SetUnlessEmpty(j, "containerStatuses", status.container_statuses);
}

absl::StatusOr<Pod> DecodePod(const nlohmann::json& value) {
  ErrorList errors;
  Pod pod;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "Pod");
  ReadMetadataField(r, &pod.metadata, &pod.metadata_rest);
  r.Field("spec", &pod.spec);
  r.Field("status", &pod.status);
  pod.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Pod", pod.metadata);
  return pod;
}

nlohmann::json EncodePod(const Pod& pod) {
  nlohmann::json j = FromRest(pod.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "Pod";
  j["metadata"] = EncodeMetadata(pod.metadata, pod.metadata_rest);
  SetUnlessEmpty(j, "spec", nlohmann::json(pod.spec));
  SetUnlessEmpty(j, "status", nlohmann::json(pod.status));
  return j;
}

const PodCondition* FindPodCondition(const PodStatus& status, absl::string_view type) {
  for (const PodCondition& condition : status.conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

bool IsPodReady(const Pod& pod) {
  const PodCondition* ready = FindPodCondition(pod.status, "Ready");
  return ready != nullptr && ready->status == ConditionStatus::kTrue;
}

const ContainerStatus* FindContainerStatus(const PodStatus& status, absl::string_view name) {
  for (const ContainerStatus& container : status.container_statuses) {
    if (container.name == name) return &container;
  }
  return nullptr;
}

}  // namespace flyover::kube::core
