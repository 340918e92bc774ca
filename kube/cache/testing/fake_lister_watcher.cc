#include "kube/cache/testing/fake_lister_watcher.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "kube/cache/object.h"
#include "kube/cache/packed_json.h"

namespace flyover::kube {
namespace {

nlohmann::json ExpiredStatusObject(absl::string_view rv) {
  return {{"kind", "Status"},    {"apiVersion", "v1"},
          {"status", "Failure"}, {"reason", "Expired"},
          {"code", 410},         {"message", absl::StrCat("too old resource version: ", rv)}};
}

absl::StatusOr<std::string> KeyOf(const nlohmann::json& object) {
  absl::StatusOr<PackedJson> packed = PackedJson::Pack(object);
  if (!packed.ok()) return packed.status();
  return ObjectKey(packed->view());
}

}  // namespace

FakeListerWatcher::Call& FakeListerWatcher::StartCall(Call::Kind kind, std::string rv,
                                                      absl::Duration timeout, bool bookmarks) {
  Call call;
  call.id = static_cast<int64_t>(calls_.size()) + 1;
  call.kind = kind;
  call.resource_version = std::move(rv);
  call.timeout = timeout;
  call.allow_bookmarks = bookmarks;
  calls_.push_back(std::move(call));
  return calls_.back();
}

void FakeListerWatcher::FinishCall(int64_t id, const absl::Status& status) {
  Call& call = calls_[static_cast<size_t>(id - 1)];
  call.finished = true;
  call.result = status;
}

absl::StatusOr<ListResult> FakeListerWatcher::List(const ListOptions& options) {
  absl::MutexLock lock(&mu_);
  const int64_t id =
      StartCall(Call::Kind::kList, options.resource_version, options.timeout, false).id;
  if (!list_failures_.empty()) {
    absl::Status status = std::move(list_failures_.front());
    list_failures_.pop_front();
    FinishCall(id, status);
    return status;
  }
  FinishCall(id, absl::OkStatus());
  if (!list_results_.empty()) {
    ListResult result = std::move(list_results_.front());
    list_results_.pop_front();
    return result;
  }
  ListResult result;
  result.resource_version = std::to_string(rv_);
  result.items.reserve(objects_.size());
  for (const auto& [key, object] : objects_) result.items.push_back(object);
  return result;
}

absl::Status FakeListerWatcher::OpenWatch(const WatchOptions& options, LiveWatch* watch) {
  const std::string& rv = options.resource_version;
  if (rv.empty() || rv == "0") {  // from "now", starting with the current state
    for (const auto& [key, object] : objects_) {
      watch->pending.push_back({WatchEventType::kAdded, object});
    }
    return absl::OkStatus();
  }
  const std::optional<uint64_t> from = ParseResourceVersion(rv);
  if (!from.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid resourceVersion \"", rv, "\""));
  }
  if (*from < compacted_rv_) {
    if (!expired_as_event_) {
      return ResourceExpiredError(absl::StrCat("too old resource version: ", rv));
    }
    watch->pending.push_back({WatchEventType::kError, ExpiredStatusObject(rv)});
    return absl::OkStatus();
  }
  for (const HistoryEvent& e : history_) {
    if (e.rv > *from) watch->pending.push_back({e.type, e.object});
  }
  return absl::OkStatus();
}

absl::Status FakeListerWatcher::Watch(const WatchOptions& options, WatchEventSink sink,
                                      StopSignal* stop) {
  LiveWatch watch;
  {
    absl::MutexLock lock(&mu_);
    watch.call = StartCall(Call::Kind::kWatch, options.resource_version, options.timeout,
                           options.allow_bookmarks)
                     .id;
    watch.bookmarks = options.allow_bookmarks;
    absl::Status status = absl::OkStatus();
    if (!watch_failures_.empty()) {
      status = std::move(watch_failures_.front());
      watch_failures_.pop_front();
    } else {
      status = OpenWatch(options, &watch);
    }
    if (!status.ok()) {
      FinishCall(watch.call, status);
      return status;
    }
    watches_.push_back(&watch);
  }
  // Declared after `watch`, so it is unregistered before `watch` goes away.
  StopSignal::Registration on_stop = stop->OnStop([this, &watch] {
    absl::MutexLock lock(&mu_);
    watch.stopped = true;
  });
  return Stream(&watch, sink);
}

absl::Status FakeListerWatcher::Stream(LiveWatch* watch, WatchEventSink sink) {
  auto ready = [this, watch] {
    mu_.AssertHeld();
    return !watch->pending.empty() || watch->end.has_value() || watch->stopped;
  };
  absl::Status status = absl::OkStatus();
  mu_.Lock();
  while (true) {
    mu_.Await(absl::Condition(&ready));
    if (watch->stopped) break;
    if (watch->end.has_value()) {
      status = *watch->end;
      break;
    }
    WatchEvent event = std::move(watch->pending.front());
    watch->pending.pop_front();
    watch->delivering = true;
    mu_.Unlock();
    status = sink(std::move(event));
    mu_.Lock();
    watch->delivering = false;
    if (!status.ok()) break;
  }
  // In the same critical section as the last delivery, so that nobody sees a drained live
  // watch that has in fact ended.
  watches_.remove(watch);
  FinishCall(watch->call, status);
  mu_.Unlock();
  return status;
}

nlohmann::json FakeListerWatcher::Record(WatchEventType type, nlohmann::json object) {
  ++rv_;
  object["metadata"]["resourceVersion"] = std::to_string(rv_);
  history_.push_back({rv_, type, object});
  for (LiveWatch* watch : watches_) watch->pending.push_back({type, object});
  return object;
}

absl::StatusOr<nlohmann::json> FakeListerWatcher::Create(nlohmann::json object) {
  absl::StatusOr<std::string> key = KeyOf(object);
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  if (objects_.contains(*key)) return absl::AlreadyExistsError(*key);
  nlohmann::json& uid = object["metadata"]["uid"];
  if (!uid.is_string() || uid.get<std::string>().empty()) {
    uid = absl::StrCat("uid-", next_uid_++);
  }
  object = Record(WatchEventType::kAdded, std::move(object));
  objects_[*key] = object;
  return object;
}

absl::StatusOr<nlohmann::json> FakeListerWatcher::Update(nlohmann::json object) {
  absl::StatusOr<std::string> key = KeyOf(object);
  if (!key.ok()) return key.status();
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(*key);
  if (it == objects_.end()) return absl::NotFoundError(*key);
  object["metadata"]["uid"] = it->second["metadata"]["uid"];
  it->second = Record(WatchEventType::kModified, std::move(object));
  return it->second;
}

absl::StatusOr<nlohmann::json> FakeListerWatcher::Delete(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(std::string(key));
  if (it == objects_.end()) return absl::NotFoundError(key);
  nlohmann::json final_state = Record(WatchEventType::kDeleted, std::move(it->second));
  objects_.erase(it);
  return final_state;
}

std::map<std::string, nlohmann::json> FakeListerWatcher::Objects() const {
  absl::MutexLock lock(&mu_);
  return objects_;
}

std::string FakeListerWatcher::ResourceVersion() const {
  absl::MutexLock lock(&mu_);
  return std::to_string(rv_);
}

void FakeListerWatcher::Compact() {
  absl::MutexLock lock(&mu_);
  history_.clear();
  compacted_rv_ = rv_;
}

void FakeListerWatcher::SetExpiredAsErrorEvent(bool as_event) {
  absl::MutexLock lock(&mu_);
  expired_as_event_ = as_event;
}

void FakeListerWatcher::FailNextList(absl::Status status, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) list_failures_.push_back(status);
}

void FakeListerWatcher::FailNextWatch(absl::Status status, int times) {
  absl::MutexLock lock(&mu_);
  for (int i = 0; i < times; ++i) watch_failures_.push_back(status);
}

void FakeListerWatcher::QueueListResult(ListResult result) {
  absl::MutexLock lock(&mu_);
  list_results_.push_back(std::move(result));
}

void FakeListerWatcher::EndWatches(absl::Status status) {
  absl::MutexLock lock(&mu_);
  for (LiveWatch* watch : watches_) {
    watch->pending.clear();
    watch->end = status;
  }
}

void FakeListerWatcher::ExpireWatches() {
  absl::MutexLock lock(&mu_);
  for (LiveWatch* watch : watches_) {
    watch->pending.push_back({WatchEventType::kError, ExpiredStatusObject(std::to_string(rv_))});
  }
}

void FakeListerWatcher::SendBookmark() {
  absl::MutexLock lock(&mu_);
  const nlohmann::json bookmark = {{"kind", "Pod"},
                                   {"metadata", {{"resourceVersion", std::to_string(rv_)}}}};
  for (LiveWatch* watch : watches_) {
    if (watch->bookmarks) watch->pending.push_back({WatchEventType::kBookmark, bookmark});
  }
}

void FakeListerWatcher::InjectEvent(const WatchEvent& event) {
  absl::MutexLock lock(&mu_);
  for (LiveWatch* watch : watches_) watch->pending.push_back(event);
}

std::vector<FakeListerWatcher::Call> FakeListerWatcher::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int FakeListerWatcher::CountCalls(Call::Kind kind) const {
  absl::MutexLock lock(&mu_);
  int count = 0;
  for (const Call& call : calls_) count += call.kind == kind ? 1 : 0;
  return count;
}

int FakeListerWatcher::active_watches() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(watches_.size());
}

int64_t FakeListerWatcher::LastCallId() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(calls_.size());
}

bool FakeListerWatcher::WaitForWatchers(int count, absl::Duration timeout) {
  auto enough = [this, count] {
    mu_.AssertHeld();
    int drained = 0;
    for (const LiveWatch* watch : watches_) {
      drained += watch->Drained() && !watch->end.has_value() && !watch->stopped ? 1 : 0;
    }
    return drained >= count;
  };
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
}

bool FakeListerWatcher::IsIdle(int64_t after_call, Idle* idle) const {
  if (calls_.empty()) return false;
  const Call& newest = calls_.back();
  if (newest.finished) {
    if (newest.result.ok() || newest.id <= after_call) return false;
    *idle = {Idle::Kind::kFailed, newest.id};
    return true;
  }
  if (newest.kind != Call::Kind::kWatch) return false;
  for (const LiveWatch* watch : watches_) {
    if (watch->call == newest.id && watch->Drained() && !watch->end.has_value()) {
      *idle = {Idle::Kind::kWatching, newest.id};
      return true;
    }
  }
  return false;
}

std::optional<FakeListerWatcher::Idle> FakeListerWatcher::WaitForIdle(int64_t after_call,
                                                                      absl::Duration timeout) {
  Idle idle{Idle::Kind::kWatching, 0};
  auto found = [this, after_call, &idle] {
    mu_.AssertHeld();
    return IsIdle(after_call, &idle);
  };
  absl::MutexLock lock(&mu_);
  if (!mu_.AwaitWithTimeout(absl::Condition(&found), timeout)) return std::nullopt;
  return idle;
}

}  // namespace flyover::kube
