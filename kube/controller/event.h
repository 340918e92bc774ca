// core/v1 Events as the event recorder (event_recorder.h) builds them: the reference to the
// object an event is about, the event's type, and the Event object itself.
//
//   ASSIGN_OR_RETURN(ObjectReference ref, ReferenceTo(job_json));
//   recorder->Event(ref, EventType::kWarning, "BackoffLimitExceeded", "job failed 3 times");
//
// An Event lives in its object's namespace ("default" for cluster-scoped objects) and is
// named "<object name>.<hex nanoseconds>", as client-go names them. Messages are cut to
// kMaxEventMessageBytes. firstTimestamp and lastTimestamp have second precision, as
// metav1.Time.
//
// Pure functions and plain values; thread-compatible.
#ifndef FLYOVER_KUBE_CONTROLLER_EVENT_H_
#define FLYOVER_KUBE_CONTROLLER_EVENT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kube/cache/packed_json.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

inline constexpr size_t kMaxEventMessageBytes = 1024;

enum class EventType { kNormal, kWarning };
// "Normal" or "Warning".
[[nodiscard]] absl::string_view EventTypeName(EventType type);

// A core/v1 ObjectReference: what an Event's involvedObject names.
struct ObjectReference {
  std::string api_version;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string field_path;  // e.g. "spec.containers{worker}"; usually empty

  [[nodiscard]] nlohmann::json ToJson() const;
  bool operator==(const ObjectReference&) const = default;
};

// The reference to an API object (apiVersion, kind and metadata). InvalidArgument naming
// the field when kind or metadata.name is missing.
[[nodiscard]] absl::StatusOr<ObjectReference> ReferenceTo(const nlohmann::json& object);
[[nodiscard]] absl::StatusOr<ObjectReference> ReferenceTo(JsonView object);

// Who reports: source.component and source.host (also reportingComponent/Instance).
struct EventSource {
  std::string component;
  std::string host;

  bool operator==(const EventSource&) const = default;
};

// One core/v1 Event.
struct KubeEvent {
  std::string namespace_;
  std::string name;
  std::string resource_version;  // "" until written
  ObjectReference involved_object;
  EventType type = EventType::kNormal;
  std::string reason;
  std::string message;
  EventSource source;
  absl::Time first_timestamp;
  absl::Time last_timestamp;
  int64_t count = 1;

  // The Event object to create.
  [[nodiscard]] nlohmann::json ToJson() const;
};

// An Event about `object`, first seen at `now`, named with `unique_nanos` (nanoseconds
// since the epoch, unique per recorder). The message is truncated to kMaxEventMessageBytes.
[[nodiscard]] KubeEvent MakeEvent(const ObjectReference& object, EventType type,
                                  absl::string_view reason, absl::string_view message,
                                  const EventSource& source, absl::Time now,
                                  int64_t unique_nanos);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_EVENT_H_
