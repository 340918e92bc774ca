#include "apiserver/storage/watch_event.h"

namespace flyover::apiserver::storage {

absl::string_view WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
  }
  return "UNKNOWN";
}

absl::string_view WatchEvent::object() const {
  if (change == nullptr) return {};
  return previous_object ? change->prev_value : change->value;
}

std::optional<WatchEvent> ToWatchEvent(const std::shared_ptr<const Change>& change,
                                       const WatchPredicate& predicate) {
  auto event = [&](WatchEventType type, bool previous = false) {
    return WatchEvent{type, change->revision, change, previous};
  };
  switch (change->kind) {
    case Change::Kind::kCreated:
      if (predicate && !predicate(change->value)) return std::nullopt;
      return event(WatchEventType::kAdded);
    case Change::Kind::kDeleted:
      if (predicate && !predicate(change->value)) return std::nullopt;
      return event(WatchEventType::kDeleted);
    case Change::Kind::kUpdated:
      break;
  }
  if (!predicate) return event(WatchEventType::kModified);
  const bool now = predicate(change->value);
  const bool before = predicate(change->prev_value);
  if (now && before) return event(WatchEventType::kModified);
  if (now) return event(WatchEventType::kAdded);
  if (before) return event(WatchEventType::kDeleted, /*previous=*/true);
  return std::nullopt;
}

}  // namespace flyover::apiserver::storage
