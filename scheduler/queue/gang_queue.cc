#include "scheduler/queue/gang_queue.h"

#include <algorithm>
#include <utility>

namespace flyover::sched {

GangQueue::GangQueue(GangQueueOptions options) : options_(std::move(options)) {}

absl::Duration GangQueue::Backoff(int failures) const {
  absl::Duration backoff = options_.initial_backoff;
  for (int i = 1; i < failures && backoff < options_.max_backoff; ++i) backoff *= 2;
  return std::min(backoff, options_.max_backoff);
}

GangQueue::ActiveKey GangQueue::ActiveKeyOf(const std::string& key, const GangOrder& order) {
  return {!order.replacement, -int64_t{order.priority}, order.created, key};
}

absl::Time GangQueue::ParkedUntil(const Entry& entry) const {
  return std::max(entry.backoff_until,
                  std::min(entry.parked_at + options_.max_unschedulable_wait, entry.wake_by));
}

void GangQueue::Activate(const std::string& key, Entry& entry) {
  entry.state = Entry::State::kActive;
  entry.wake_by = absl::InfiniteFuture();
  entry.changed_while_parked = false;
  active_.insert(ActiveKeyOf(key, entry.order));
}

void GangQueue::Add(const std::string& key, GangOrder order) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (!inserted && entry.state == Entry::State::kActive) {
    active_.erase(ActiveKeyOf(key, entry.order));
  }
  entry.order = order;
  switch (entry.state) {
    case Entry::State::kInFlight:
      entry.dirty = true;
      return;
    case Entry::State::kParked:
      // A pod of the gang changed (e.g. a member arrived): as good as a cluster change.
      entry.changed_while_parked = true;
      ++wakeups_;
      return;
    case Entry::State::kWaiting:
      return;
    case Entry::State::kActive:
      Activate(key, entry);
      return;
  }
}

void GangQueue::Remove(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  // In flight: Done() settles it; a later attempt finds no pods and drops it.
  if (it->second.state == Entry::State::kInFlight) return;
  active_.erase(ActiveKeyOf(key, it->second.order));
  entries_.erase(it);
}

void GangQueue::Promote(absl::Time now) {
  for (auto& [key, entry] : entries_) {
    const bool backoff_over = entry.backoff_until <= now;
    if (entry.state == Entry::State::kWaiting && backoff_over) Activate(key, entry);
    if (entry.state == Entry::State::kParked && backoff_over &&
        (entry.changed_while_parked || now >= ParkedUntil(entry))) {
      Activate(key, entry);
    }
  }
}

absl::Time GangQueue::NextWake(absl::Time now) const {
  absl::Time wake = absl::InfiniteFuture();
  for (const auto& [key, entry] : entries_) {
    if (entry.state == Entry::State::kWaiting ||
        (entry.state == Entry::State::kParked && entry.changed_while_parked)) {
      wake = std::min(wake, entry.backoff_until);
    } else if (entry.state == Entry::State::kParked) {
      wake = std::min(wake, ParkedUntil(entry));
    }
  }
  return std::max(wake, now);
}

std::optional<std::string> GangQueue::Pop(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  const absl::Time deadline = options_.clock->Now() + timeout;
  while (!closed_) {
    const absl::Time now = options_.clock->Now();
    Promote(now);
    if (!active_.empty()) {
      std::string key = std::get<3>(*active_.begin());
      active_.erase(active_.begin());
      entries_[key].state = Entry::State::kInFlight;
      return key;
    }
    if (now >= deadline) break;
    const absl::Time wake = std::min(deadline, NextWake(now));
    const uint64_t seen = wakeups_;
    auto ready = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || !active_.empty() || wakeups_ != seen;
    };
    options_.clock->AwaitWithDeadline(&mu_, absl::Condition(&ready), wake);
  }
  return std::nullopt;
}

void GangQueue::Done(const std::string& key, GangOutcome outcome, absl::Time wake_by) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  const absl::Time now = options_.clock->Now();
  const bool dirty = std::exchange(entry.dirty, false);
  switch (outcome) {
    case GangOutcome::kScheduled:
      entry.failures = 0;
      entry.backoff_until = absl::InfinitePast();
      if (dirty)
        Activate(key, entry);
      else
        entries_.erase(it);
      return;
    case GangOutcome::kUnschedulable:
      entry.backoff_until = now + Backoff(++entry.failures);
      entry.parked_at = now;
      entry.wake_by = wake_by;
      entry.state = Entry::State::kParked;
      entry.changed_while_parked = dirty;
      return;
    case GangOutcome::kError:
      entry.backoff_until = now + Backoff(++entry.failures);
      entry.state = Entry::State::kWaiting;
      return;
  }
}

void GangQueue::OnClusterChange() {
  absl::MutexLock lock(&mu_);
  for (auto& [key, entry] : entries_) {
    if (entry.state == Entry::State::kParked) entry.changed_while_parked = true;
  }
  ++wakeups_;  // a sleeping Pop recomputes when to wake
}

void GangQueue::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

size_t GangQueue::active_size() const {
  absl::MutexLock lock(&mu_);
  return active_.size();
}

size_t GangQueue::unschedulable_size() const {
  absl::MutexLock lock(&mu_);
  size_t parked = 0;
  for (const auto& [key, entry] : entries_) parked += entry.state == Entry::State::kParked ? 1 : 0;
  return parked;
}

}  // namespace flyover::sched
