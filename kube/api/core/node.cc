#include "kube/api/core/node.h"

#include "kube/api/core/core_json.h"

namespace flyover::kube::core {
namespace {

void ReadSpec(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
              NodeSpec* out) {
  PartialReader r(value, path, errors);
  r.Field("unschedulable", &out->unschedulable);
  r.Field("taints", &out->taints);
  out->rest = r.Rest();
}

void ReadStatus(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
                NodeStatus* out) {
  PartialReader r(value, path, errors);
  r.Field("capacity", &out->capacity);
  r.Field("allocatable", &out->allocatable);
  r.Field("conditions", &out->conditions);
  r.Field("addresses", &out->addresses);
  out->rest = r.Rest();
}

nlohmann::json SpecJson(const NodeSpec& spec) {
  nlohmann::json j = FromRest(spec.rest);
  if (spec.unschedulable) j["unschedulable"] = true;
  SetUnlessEmpty(j, "taints", spec.taints);
  return j;
}

nlohmann::json StatusJson(const NodeStatus& status) {
  nlohmann::json j = FromRest(status.rest);
  SetUnlessEmpty(j, "capacity", status.capacity);
  SetUnlessEmpty(j, "allocatable", status.allocatable);
  SetUnlessEmpty(j, "conditions", status.conditions);
  SetUnlessEmpty(j, "addresses", status.addresses);
  return j;
}

}  // namespace

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               Taint* out) {
  PartialReader r(value, path, errors);
  r.Field("key", &out->key);
  r.Field("value", &out->value);
  r.Field("effect", &out->effect);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               NodeCondition* out) {
  PartialReader r(value, path, errors);
  r.Field("type", &out->type);
  r.Field("status", &out->status);
  r.Field("lastHeartbeatTime", &out->last_heartbeat_time);
  r.Field("lastTransitionTime", &out->last_transition_time);
  r.Field("reason", &out->reason);
  r.Field("message", &out->message);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               NodeAddress* out) {
  PartialReader r(value, path, errors);
  r.Field("type", &out->type);
  r.Field("address", &out->address);
  out->rest = r.Rest();
}

void to_json(nlohmann::json& j, const Taint& taint) {
  j = FromRest(taint.rest);
  j["key"] = taint.key;
  SetUnlessEmpty(j, "value", taint.value);
  j["effect"] = taint.effect;
}

void to_json(nlohmann::json& j, const NodeCondition& condition) {
  j = FromRest(condition.rest);
  j["type"] = condition.type;
  j["status"] = EnumName(condition.status);
  SetTime(j, "lastHeartbeatTime", condition.last_heartbeat_time);
  SetTime(j, "lastTransitionTime", condition.last_transition_time);
  SetUnlessEmpty(j, "reason", condition.reason);
  SetUnlessEmpty(j, "message", condition.message);
}

void to_json(nlohmann::json& j, const NodeAddress& address) {
  j = FromRest(address.rest);
  j["type"] = address.type;
  j["address"] = address.address;
}

absl::StatusOr<Node> DecodeNode(const nlohmann::json& value) {
  ErrorList errors;
  Node node;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "Node");
  ReadMetadataField(r, &node.metadata, &node.metadata_rest);
  r.FieldWith("spec", &node.spec, ReadSpec);
  r.FieldWith("status", &node.status, ReadStatus);
  node.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Node", node.metadata);
  return node;
}

nlohmann::json EncodeNode(const Node& node) {
  nlohmann::json j = FromRest(node.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "Node";
  j["metadata"] = EncodeMetadata(node.metadata, node.metadata_rest);
  SetUnlessEmpty(j, "spec", SpecJson(node.spec));
  SetUnlessEmpty(j, "status", StatusJson(node.status));
  return j;
}

const NodeCondition* FindNodeCondition(const NodeStatus& status, absl::string_view type) {
  for (const NodeCondition& condition : status.conditions) {
    if (condition.type == type) return &condition;
  }
  return nullptr;
}

bool IsReady(const Node& node) {
  const NodeCondition* ready = FindNodeCondition(node.status, "Ready");
  return ready != nullptr && ready->status == ConditionStatus::kTrue;
}

std::string NodeAddressOf(const Node& node, absl::string_view type) {
  for (const NodeAddress& address : node.status.addresses) {
    if (address.type == type) return address.address;
  }
  return "";
}

}  // namespace flyover::kube::core
