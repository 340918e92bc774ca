#include "kube/controller/event.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"
#include "kube/api/meta.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

void SetUnlessEmpty(json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

std::string StringAt(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

absl::Status RequireReferenceFields(const ObjectReference& ref) {
  if (ref.kind.empty()) return absl::InvalidArgumentError("object reference: kind is missing");
  if (ref.name.empty()) {
    return absl::InvalidArgumentError("object reference: metadata.name is missing");
  }
  return absl::OkStatus();
}

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string Truncate(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

}  // namespace

absl::string_view EventTypeName(EventType type) {
  return type == EventType::kWarning ? "Warning" : "Normal";
}

json ObjectReference::ToJson() const {
  json ref = json::object();
  SetUnlessEmpty(ref, "apiVersion", api_version);
  SetUnlessEmpty(ref, "kind", kind);
  SetUnlessEmpty(ref, "namespace", namespace_);
  SetUnlessEmpty(ref, "name", name);
  SetUnlessEmpty(ref, "uid", uid);
  SetUnlessEmpty(ref, "resourceVersion", resource_version);
  SetUnlessEmpty(ref, "fieldPath", field_path);
  return ref;
}

absl::StatusOr<ObjectReference> ReferenceTo(const json& object) {
  if (!object.is_object()) return absl::InvalidArgumentError("object reference: not an object");
  ObjectReference ref{.api_version = StringAt(object, "apiVersion"),
                      .kind = StringAt(object, "kind")};
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) {
    ref.namespace_ = StringAt(*metadata, "namespace");
    ref.name = StringAt(*metadata, "name");
    ref.uid = StringAt(*metadata, "uid");
    ref.resource_version = StringAt(*metadata, "resourceVersion");
  }
  RETURN_IF_ERROR(RequireReferenceFields(ref));
  return ref;
}

absl::StatusOr<ObjectReference> ReferenceTo(JsonView object) {
  JsonView metadata = object["metadata"];
  ObjectReference ref{.api_version = std::string(object["apiVersion"].string_value()),
                      .kind = std::string(object["kind"].string_value()),
                      .namespace_ = std::string(metadata["namespace"].string_value()),
                      .name = std::string(metadata["name"].string_value()),
                      .uid = std::string(metadata["uid"].string_value()),
                      .resource_version = std::string(metadata["resourceVersion"].string_value())};
  RETURN_IF_ERROR(RequireReferenceFields(ref));
  return ref;
}

json KubeEvent::ToJson() const {
  json metadata = {{"name", name}, {"namespace", namespace_}};
  SetUnlessEmpty(metadata, "resourceVersion", resource_version);
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", metadata},
          {"involvedObject", involved_object.ToJson()},
          {"reason", reason},
          {"message", message},
          {"type", std::string(EventTypeName(type))},
          {"source", {{"component", source.component}, {"host", source.host}}},
          {"reportingComponent", source.component},
          {"reportingInstance", source.host},
          {"firstTimestamp", FormatKubeTime(first_timestamp)},
          {"lastTimestamp", FormatKubeTime(last_timestamp)},
          {"count", count}};
}

KubeEvent MakeEvent(const ObjectReference& object, EventType type, absl::string_view reason,
                    absl::string_view message, const EventSource& source, absl::Time now,
                    int64_t unique_nanos) {
  KubeEvent event;
  event.namespace_ = object.namespace_.empty() ? "default" : object.namespace_;
  event.name = absl::StrFormat("%s.%x", object.name, unique_nanos);
  event.involved_object = object;
  event.type = type;
  event.reason = std::string(reason);
  event.message = Truncate(message, kMaxEventMessageBytes);
  event.source = source;
  event.first_timestamp = now;
  event.last_timestamp = now;
  return event;
}

}  // namespace flyover::kube
