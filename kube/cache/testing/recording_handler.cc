#include "kube/cache/testing/recording_handler.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"

namespace flyover::kube {
namespace {

std::string ObjectKeyOf(const ObjectPtr& object) {
  absl::StatusOr<std::string> key = ObjectKey(object->view());
  return key.ok() ? *key : "<no name>";
}

std::string Rv(const ObjectPtr& object) {
  return object == nullptr ? "" : std::string(ResourceVersionOf(object->view()));
}

// Numeric resourceVersion, or 0 when it is not a number.
uint64_t RvNumber(const ObjectPtr& object) { return ParseResourceVersion(Rv(object)).value_or(0); }

}  // namespace

void RecordingHandler::OnAdd(const ObjectPtr& object, bool is_initial_list) {
  absl::MutexLock lock(&mu_);
  Record({Event::Kind::kAdd, ObjectKeyOf(object), nullptr, object, is_initial_list});
}

void RecordingHandler::OnUpdate(const ObjectPtr& old_object, const ObjectPtr& new_object) {
  absl::MutexLock lock(&mu_);
  Record({Event::Kind::kUpdate, ObjectKeyOf(new_object), old_object, new_object, false});
}

void RecordingHandler::OnDelete(const ObjectPtr& object, bool final_state_unknown) {
  absl::MutexLock lock(&mu_);
  Record({Event::Kind::kDelete, ObjectKeyOf(object), nullptr, object, final_state_unknown});
}

void RecordingHandler::Record(Event e) {
  auto it = state_.find(e.key);
  const ObjectPtr known = it == state_.end() ? nullptr : it->second;
  auto violation = [&](absl::string_view what) {
    mu_.AssertHeld();
    violations_.push_back(
        absl::StrCat(what, ": ", e.key, " known@", Rv(known), " got@", Rv(e.object)));
  };
  switch (e.kind) {
    case Event::Kind::kAdd:
      if (known != nullptr) violation("add of a known key");
      state_[e.key] = e.object;
      break;
    case Event::Kind::kUpdate:
      if (known == nullptr) {
        violation("update of an unknown key");
      } else if (e.old_object != known) {
        violation("update whose old object is not the last one given");
      } else if (e.old_object != e.object && RvNumber(e.object) <= RvNumber(known)) {
        violation("update that does not move the resourceVersion up");
      }
      state_[e.key] = e.object;
      break;
    case Event::Kind::kDelete:
      if (known == nullptr) {
        violation("delete of an unknown key");
      } else if (e.flag ? e.object != known : RvNumber(e.object) < RvNumber(known)) {
        violation("delete whose object is older than the last one given");
      }
      state_.erase(e.key);
      break;
  }
  events_.push_back(std::move(e));
}

std::vector<RecordingHandler::Event> RecordingHandler::events() const {
  absl::MutexLock lock(&mu_);
  return events_;
}

std::vector<std::string> RecordingHandler::Strings() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> out;
  for (const Event& e : events_) {
    switch (e.kind) {
      case Event::Kind::kAdd:
        out.push_back(absl::StrCat(e.flag ? "add* " : "add ", e.key, "@", Rv(e.object)));
        break;
      case Event::Kind::kUpdate:
        out.push_back(absl::StrCat("update ", e.key, "@", Rv(e.old_object), "->", Rv(e.object)));
        break;
      case Event::Kind::kDelete:
        out.push_back(absl::StrCat(e.flag ? "delete? " : "delete ", e.key, "@", Rv(e.object)));
        break;
    }
  }
  return out;
}

std::map<std::string, std::string> RecordingHandler::StateLocked() const {
  std::map<std::string, std::string> out;
  for (const auto& [key, object] : state_) out.emplace(key, Rv(object));
  return out;
}

std::map<std::string, std::string> RecordingHandler::State() const {
  absl::MutexLock lock(&mu_);
  return StateLocked();
}

std::vector<std::string> RecordingHandler::Violations() const {
  absl::MutexLock lock(&mu_);
  return violations_;
}

bool RecordingHandler::WaitForEvents(size_t count, absl::Duration timeout) const {
  auto enough = [this, count] {
    mu_.AssertHeld();
    return events_.size() >= count;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

bool RecordingHandler::WaitForState(const std::map<std::string, std::string>& expected,
                                    absl::Duration timeout) const {
  auto matches = [this, &expected] {
    mu_.AssertHeld();
    return StateLocked() == expected;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&matches), timeout);
}

void RecordingHandler::ClearEvents() {
  absl::MutexLock lock(&mu_);
  events_.clear();
}

}  // namespace flyover::kube
