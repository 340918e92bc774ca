#include "kube/api/core/event.h"

#include "kube/api/core/core_json.h"

namespace flyover::kube::core {

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ObjectReference* out) {
  PartialReader r(value, path, errors);
  r.Field("apiVersion", &out->api_version);
  r.Field("kind", &out->kind);
  r.Field("namespace", &out->namespace_);
  r.Field("name", &out->name);
  r.Field("uid", &out->uid);
  r.Field("resourceVersion", &out->resource_version);
  r.Field("fieldPath", &out->field_path);
  out->rest = r.Rest();
}

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               EventSource* out) {
  PartialReader r(value, path, errors);
  r.Field("component", &out->component);
  r.Field("host", &out->host);
  out->rest = r.Rest();
}

void to_json(nlohmann::json& j, const ObjectReference& ref) {
  j = FromRest(ref.rest);
  SetUnlessEmpty(j, "apiVersion", ref.api_version);
  SetUnlessEmpty(j, "kind", ref.kind);
  SetUnlessEmpty(j, "namespace", ref.namespace_);
  SetUnlessEmpty(j, "name", ref.name);
  SetUnlessEmpty(j, "uid", ref.uid);
  SetUnlessEmpty(j, "resourceVersion", ref.resource_version);
  SetUnlessEmpty(j, "fieldPath", ref.field_path);
}

void to_json(nlohmann::json& j, const EventSource& source) {
  j = FromRest(source.rest);
  SetUnlessEmpty(j, "component", source.component);
  SetUnlessEmpty(j, "host", source.host);
}

absl::StatusOr<Event> DecodeEvent(const nlohmann::json& value) {
  ErrorList errors;
  Event event;
  PartialReader r(value, FieldPath(), &errors);
  r.Expect("apiVersion", "v1");
  r.Expect("kind", "Event");
  ReadMetadataField(r, &event.metadata, &event.metadata_rest);
  r.Field("involvedObject", &event.involved_object);
  r.Field("reason", &event.reason);
  r.Field("message", &event.message);
  r.Field("type", &event.type);
  r.Field("count", &event.count);
  r.Field("firstTimestamp", &event.first_timestamp);
  r.Field("lastTimestamp", &event.last_timestamp);
  r.Field("source", &event.source);
  r.Field("reportingComponent", &event.reporting_component);
  event.rest = r.Rest();
  if (!errors.empty()) return DecodeStatus(errors, "Event", event.metadata);
  return event;
}

nlohmann::json EncodeEvent(const Event& event) {
  nlohmann::json j = FromRest(event.rest);
  j["apiVersion"] = "v1";
  j["kind"] = "Event";
  j["metadata"] = EncodeMetadata(event.metadata, event.metadata_rest);
  // Structs and reportingComponent carry no omitempty: the server always writes them.
  j["involvedObject"] = event.involved_object;
  SetUnlessEmpty(j, "reason", event.reason);
  SetUnlessEmpty(j, "message", event.message);
  SetUnlessEmpty(j, "type", event.type);
  if (event.count != 0) j["count"] = event.count;
  SetTime(j, "firstTimestamp", event.first_timestamp);
  SetTime(j, "lastTimestamp", event.last_timestamp);
  j["source"] = event.source;
  j["reportingComponent"] = event.reporting_component;
  return j;
}

}  // namespace flyover::kube::core
