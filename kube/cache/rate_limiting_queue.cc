#include "kube/cache/rate_limiting_queue.h"

#include <utility>

namespace flyover::kube {

RateLimitingQueue::RateLimitingQueue(WorkQueueOptions options, std::unique_ptr<RateLimiter> limiter)
    : queue_(options),
      clock_(options.clock),
      limiter_(limiter != nullptr ? std::move(limiter) : DefaultControllerRateLimiter(clock_)) {
  thread_ = std::thread([this] { WaitLoop(); });
}

RateLimitingQueue::~RateLimitingQueue() {
  ShutDown();
  thread_.join();
}

void RateLimitingQueue::ShutDown() {
  StopWaiting();
  queue_.ShutDown();
}

bool RateLimitingQueue::ShutDownWithDrain() {
  StopWaiting();
  return queue_.ShutDownWithDrain();
}

void RateLimitingQueue::StopWaiting() {
  absl::MutexLock lock(&mu_);
  stopping_ = true;
  heap_ = {};
  ready_at_.clear();
}

void RateLimitingQueue::AddAfter(absl::string_view key, absl::Duration delay) {
  if (delay <= absl::ZeroDuration()) {
    queue_.Add(key);
    return;
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  const absl::Time ready = clock_->Now() + delay;
  auto [it, inserted] = ready_at_.try_emplace(key, ready);
  if (!inserted) {
    if (it->second <= ready) return;
    it->second = ready;
  }
  // The new entry may be the earliest: WaitLoop's condition sees the heap change and
  // re-arms its deadline.
  heap_.push(Waiting{ready, seq_++, std::string(key)});
}

void RateLimitingQueue::AddRateLimited(absl::string_view key) {
  queue_.metrics_.Retried();
  AddAfter(key, limiter_->When(key));
}

size_t RateLimitingQueue::NumWaiting() const {
  absl::MutexLock lock(&mu_);
  return ready_at_.size();
}

void RateLimitingQueue::WaitLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = clock_->Now();
    while (!heap_.empty() && heap_.top().ready <= now) {
      Waiting entry = heap_.top();
      heap_.pop();
      auto it = ready_at_.find(entry.key);
      if (it == ready_at_.end() || it->second != entry.ready) continue;  // stale entry
      ready_at_.erase(it);
      queue_.Add(entry.key);  // lock order: mu_, then the queue's own
    }
    // Wake when a key is added (seq_ moves), at shutdown, or when the earliest key is due.
    const uint64_t seq = seq_;
    auto changed = [this, seq] {
      mu_.AssertHeld();
      return seq_ != seq || stopping_;
    };
    if (heap_.empty()) {
      mu_.Await(absl::Condition(&changed));
    } else {
      clock_->AwaitWithDeadline(&mu_, absl::Condition(&changed), heap_.top().ready);
    }
  }
}

}  // namespace flyover::kube
