#include "apiserver/storage/watch_hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "apiserver/storage/errors.h"
#include "apiserver/storage/keys.h"

namespace flyover::apiserver::storage {
namespace {

// The resource of an encoded key "/<resource>/<namespace>/<name>".
absl::string_view ResourceOf(absl::string_view key) {
  key.remove_prefix(1);
  return key.substr(0, key.find('/'));
}

absl::Status OverflowError(size_t capacity) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "watch queue of ", capacity,
      " events overflowed: the watcher fell behind; watch again from the last revision seen"));
}

}  // namespace

WatchHub::WatchHub(std::shared_ptr<RevisionLog> log, Clock* clock,
                   std::shared_ptr<StorageMetrics> metrics, WatchHubOptions options)
    : log_(std::move(log)), clock_(clock), metrics_(std::move(metrics)), options_(options) {}

WatchHub::~WatchHub() { Stop(); }

void WatchHub::Start() {
  {
    absl::MutexLock lock(&mu_);
    dispatched_ = log_->CurrentRevision();
  }
  dispatcher_ = std::thread([this] { RunDispatcher(); });
}

void WatchHub::Stop() {
  {
    absl::MutexLock lock(&pending_mu_);
    stopping_ = true;
  }
  if (dispatcher_.joinable()) dispatcher_.join();
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  std::vector<std::shared_ptr<WatcherState>> open;
  for (auto& [id, state] : watchers_) open.push_back(state);
  for (auto& state : open) EndLocked(*state, absl::UnavailableError("the storage is closing"));
}

void WatchHub::Publish(std::vector<std::shared_ptr<const Change>> changes) {
  if (changes.empty()) return;
  absl::MutexLock lock(&pending_mu_);
  pending_.push_back(std::move(changes));
}

absl::StatusOr<std::unique_ptr<Watcher>> WatchHub::Watch(WatchOptions options) {
  if (absl::Status s = ValidateScope(options.resource, options.namespace_); !s.ok()) return s;
  if (options.queue_capacity < 1) {
    return absl::InvalidArgumentError("queue_capacity: must be at least 1");
  }
  auto state = std::make_shared<WatcherState>();
  state->resource = options.resource;
  state->begin = ScopePrefix(options.resource, options.namespace_);
  state->end = PrefixEnd(state->begin);
  state->predicate = std::move(options.predicate);
  state->bookmarks = options.bookmarks;
  state->capacity = options.queue_capacity;

  absl::MutexLock lock(&mu_);
  if (stopped_) return absl::UnavailableError("the storage is closing");
  const int64_t current = log_->CurrentRevision();
  state->position = current;
  if (options.from_revision.has_value()) {
    const int64_t from = *options.from_revision;
    if (from < 0 || from > current) {
      return absl::InvalidArgumentError(absl::StrCat(
          "from_revision: ", from, " is not between 0 and the current revision ", current));
    }
    if (from < log_->CompactRevision()) {
      return ExpiredError("resourceVersion", from, log_->CompactRevision());
    }
    state->position = from;
  }
  state->id = next_id_++;
  watchers_.emplace(state->id, state);
  metrics_->WatcherOpened();
  if (state->position >= dispatched_) {
    Register(*state);
  } else {
    absl::MutexLock state_lock(&state->mu);
    state->replaying = true;
  }
  return std::make_unique<Watcher>(shared_from_this(), std::move(state));
}

int64_t WatchHub::dispatched_revision() {
  absl::MutexLock lock(&mu_);
  return dispatched_;
}

size_t WatchHub::watcher_count() {
  absl::MutexLock lock(&mu_);
  return watchers_.size();
}

void WatchHub::ReplayStep(WatcherState& state) {
  int64_t after = 0;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_ || state.registered) return;
    after = state.position;
  }
  const int64_t page_size =
      std::min<int64_t>(options_.replay_page, static_cast<int64_t>(state.capacity));
  absl::StatusOr<ChangesPage> page =
      log_->Changes({state.begin, state.end, after, std::max<int64_t>(page_size, 1)});
  absl::MutexLock lock(&mu_);
  if (!page.ok()) {
    EndLocked(state, page.status());
    return;
  }
  {
    absl::MutexLock state_lock(&state.mu);
    if (!state.end_status.ok()) return;
    for (const std::shared_ptr<const Change>& change : page->changes) {
      if (change->revision <= state.position) continue;
      std::optional<WatchEvent> event = ToWatchEvent(change, state.predicate);
      if (event.has_value()) state.queue.push_back(*std::move(event));
    }
    state.position = std::max(state.position, page->read_revision);
  }
  if (state.position >= dispatched_) Register(state);
}

void WatchHub::End(WatcherState& state, absl::Status status) {
  absl::MutexLock lock(&mu_);
  EndLocked(state, std::move(status));
}

void WatchHub::EndLocked(WatcherState& state, absl::Status status) {
  {
    absl::MutexLock state_lock(&state.mu);
    if (!state.end_status.ok()) return;
    state.end_status = std::move(status);
    state.queue.clear();
    state.replaying = false;
  }
  if (state.registered) {
    auto it = live_.find(state.resource);
    it->second.erase(state.id);
    if (it->second.empty()) live_.erase(it);
    state.registered = false;
  }
  metrics_->WatcherClosed();
  const uint64_t id = state.id;
  watchers_.erase(id);  // may destroy `state` if the Watcher is gone: touch it no more
}

void WatchHub::Register(WatcherState& state) {
  live_[state.resource].emplace(state.id, &state);
  state.registered = true;
  absl::MutexLock state_lock(&state.mu);
  state.replaying = false;
}

void WatchHub::RunDispatcher() {
  const bool bookmarks = options_.bookmark_interval > absl::ZeroDuration();
  absl::Time next_bookmark =
      bookmarks ? clock_->Now() + options_.bookmark_interval : absl::InfiniteFuture();
  while (true) {
    Batches work;
    {
      absl::MutexLock lock(&pending_mu_);
      auto ready = [this] {
        pending_mu_.AssertHeld();
        return stopping_ || !pending_.empty();
      };
      clock_->AwaitWithDeadline(&pending_mu_, absl::Condition(&ready), next_bookmark);
      if (stopping_) return;
      work.swap(pending_);
    }
    Dispatch(work);
    if (bookmarks && clock_->Now() >= next_bookmark) {
      SendBookmarks();
      next_bookmark = clock_->Now() + options_.bookmark_interval;
    }
  }
}

void WatchHub::Dispatch(const Batches& batches) {
  absl::MutexLock lock(&mu_);
  // Gathering each watcher's events first means one append, and so one wake-up of its
  // consumer, per watcher per round instead of per change.
  Outbox outbox;
  for (const auto& changes : batches) {
    for (const std::shared_ptr<const Change>& change : changes) {
      auto it = live_.find(ResourceOf(change->key));
      if (it != live_.end()) {
        for (auto& [id, state] : it->second) Collect(*state, change, outbox);
      }
      dispatched_ = change->revision;
    }
  }
  for (auto& [state, events] : outbox) {
    if (Deliver(*state, events)) continue;
    EndLocked(*state, OverflowError(state->capacity));
    metrics_->WatcherDropped();
  }
}

void WatchHub::Collect(WatcherState& state, const std::shared_ptr<const Change>& change,
                       Outbox& outbox) {
  if (change->revision <= state.position) return;  // already read from history
  state.position = change->revision;
  if (!absl::StartsWith(change->key, state.begin)) return;
  std::optional<WatchEvent> event = ToWatchEvent(change, state.predicate);
  if (event.has_value()) outbox[&state].push_back(*std::move(event));
}

bool WatchHub::Deliver(WatcherState& state, std::vector<WatchEvent>& events) {
  absl::MutexLock state_lock(&state.mu);
  if (state.queue.size() + events.size() > state.capacity) return false;
  for (WatchEvent& event : events) state.queue.push_back(std::move(event));
  return true;
}

void WatchHub::SendBookmarks() {
  absl::MutexLock lock(&mu_);
  for (auto& [resource, states] : live_) {
    for (auto& [id, state] : states) {
      if (!state->bookmarks) continue;
      const int64_t revision = std::max(state->position, dispatched_);
      absl::MutexLock state_lock(&state->mu);
      if (!state->queue.empty() && state->queue.back().type == WatchEventType::kBookmark) {
        state->queue.back().revision = revision;
      } else if (state->queue.size() < state->capacity) {
        state->queue.push_back(WatchEvent{WatchEventType::kBookmark, revision, nullptr, false});
      }
    }
  }
}

}  // namespace flyover::apiserver::storage
