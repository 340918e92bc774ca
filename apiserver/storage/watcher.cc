#include "apiserver/storage/watcher.h"

#include <algorithm>
#include <utility>

#include "apiserver/storage/watch_hub.h"

namespace flyover::apiserver::storage {
namespace {

std::vector<WatchEvent> PopUpTo(std::deque<WatchEvent>& queue, size_t max_events) {
  const size_t count = std::min(queue.size(), max_events);
  std::vector<WatchEvent> events(std::make_move_iterator(queue.begin()),
                                 std::make_move_iterator(queue.begin() + count));
  queue.erase(queue.begin(), queue.begin() + count);
  return events;
}

}  // namespace

Watcher::Watcher(std::shared_ptr<WatchHub> hub, std::shared_ptr<WatcherState> state)
    : hub_(std::move(hub)), state_(std::move(state)) {}

Watcher::~Watcher() { Stop(); }

void Watcher::Stop() { hub_->End(*state_, absl::CancelledError("the watch was stopped")); }

absl::StatusOr<std::optional<WatchEvent>> Watcher::Next(absl::Duration timeout) {
  absl::StatusOr<std::vector<WatchEvent>> events = NextBatch(1, timeout);
  if (!events.ok()) return events.status();
  if (events->empty()) return std::nullopt;
  return std::move(events->front());
}

absl::StatusOr<std::vector<WatchEvent>> Watcher::NextBatch(size_t max_events,
                                                           absl::Duration timeout) {
  max_events = std::max<size_t>(max_events, 1);
  Clock* const clock = hub_->clock();
  const absl::Time deadline = clock->Now() + timeout;
  WatcherState& state = *state_;
  while (true) {
    {
      absl::MutexLock lock(&state.mu);
      if (!state.queue.empty()) return PopUpTo(state.queue, max_events);
      if (!state.end_status.ok()) return state.end_status;
      if (!state.replaying) {
        auto ready = [&state] {
          state.mu.AssertHeld();
          return !state.queue.empty() || !state.end_status.ok();
        };
        clock->AwaitWithDeadline(&state.mu, absl::Condition(&ready), deadline);
        if (!state.queue.empty()) return PopUpTo(state.queue, max_events);
        if (!state.end_status.ok()) return state.end_status;
        return std::vector<WatchEvent>();
      }
    }
    hub_->ReplayStep(state);
  }
}

}  // namespace flyover::apiserver::storage
