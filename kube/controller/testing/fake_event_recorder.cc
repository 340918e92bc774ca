#include "kube/controller/testing/fake_event_recorder.h"

#include "absl/strings/str_cat.h"

namespace flyover::kube {

std::string RecordedEvent::ToString() const {
  return absl::StrCat(EventTypeName(type), " ", reason, " ", message);
}

void FakeEventRecorder::Event(const ObjectReference& object, EventType type,
                              absl::string_view reason, absl::string_view message) {
  absl::MutexLock lock(&mu_);
  events_.push_back(RecordedEvent{.object = object,
                                  .type = type,
                                  .reason = std::string(reason),
                                  .message = std::string(message)});
}

std::vector<RecordedEvent> FakeEventRecorder::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::vector<std::string> FakeEventRecorder::Strings() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> strings;
  strings.reserve(events_.size());
  for (const RecordedEvent& event : events_) strings.push_back(event.ToString());
  return strings;
}

int FakeEventRecorder::CountReason(absl::string_view reason) const {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const RecordedEvent& event : events_) count += event.reason == reason ? 1 : 0;
  return count;
}

bool FakeEventRecorder::WaitForEvents(size_t count, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return events_.size() >= count;
  };
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

void FakeEventRecorder::Clear() {
  absl::MutexLock lock(&mu_);
  events_.clear();
}

}  // namespace flyover::kube
