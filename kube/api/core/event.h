// core/v1 Event, typed for reading and writing the events Flyover's components record
// (involvedObject, reason, message, type, count, timestamps, source). Unmodelled fields
// (eventTime, series, reportingInstance, ...) are kept in `rest`; unknown fields are not
// errors. For building events to record, see kube/controller/event.h.
//
// Plain values; thread-compatible.
#ifndef FLYOVER_KUBE_API_CORE_EVENT_H_
#define FLYOVER_KUBE_API_CORE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/api/field_error.h"
#include "kube/api/meta.h"
#include "nlohmann/json.hpp"

namespace flyover::kube::core {

// A core/v1 ObjectReference (what an Event is about).
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;
  nlohmann::json rest;

  bool operator==(const ObjectReference&) const = default;
};

struct EventSource {
  std::string component;
  std::string host;
  nlohmann::json rest;

  bool operator==(const EventSource&) const = default;
};

struct Event {
  ObjectMeta metadata;
  nlohmann::json metadata_rest;
  ObjectReference involved_object;
  std::string reason;
  std::string message;
  std::string type;  // "Normal" or "Warning"
  int32_t count = 0;
  std::optional<absl::Time> first_timestamp;
  std::optional<absl::Time> last_timestamp;
  EventSource source;
  std::string reporting_component;
  nlohmann::json rest;

  bool operator==(const Event&) const = default;
};

[[nodiscard]] absl::StatusOr<Event> DecodeEvent(const nlohmann::json& value);
[[nodiscard]] nlohmann::json EncodeEvent(const Event& event);

void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               ObjectReference* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               EventSource* out);
void to_json(nlohmann::json& j, const ObjectReference& ref);
void to_json(nlohmann::json& j, const EventSource& source);

}  // namespace flyover::kube::core

#endif  // FLYOVER_KUBE_API_CORE_EVENT_H_
