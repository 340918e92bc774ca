#include "kube/cache/work_queue.h"

#include <utility>

namespace flyover::kube {

WorkQueue::WorkQueue(WorkQueueOptions options)
    : options_(std::move(options)), metrics_(options_.registry, options_.name) {
  metrics_.SetDepth(0);
}

void WorkQueue::Add(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  if (shutting_down_) return;
  auto [it, inserted] = dirty_.try_emplace(key, options_.clock->Now());
  if (!inserted) return;
  metrics_.Added();
  metrics_.SetDepth(dirty_.size());
  if (processing_.contains(key)) return;  // Done() queues it again
  queue_.push_back(std::string(key));
}

std::optional<std::string> WorkQueue::Get() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(this, &WorkQueue::HasWorkOrShutDown));
  if (queue_.empty()) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  const absl::Time now = options_.clock->Now();
  if (auto it = dirty_.find(key); it != dirty_.end()) {
    metrics_.ObserveQueueDuration(now - it->second);
    dirty_.erase(it);
  }
  metrics_.SetDepth(dirty_.size());
  processing_.emplace(key, now);
  return key;
}

void WorkQueue::Done(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = processing_.find(key);
  if (it == processing_.end()) return;
  metrics_.ObserveWorkDuration(options_.clock->Now() - it->second);
  processing_.erase(it);
  if (dirty_.contains(key)) queue_.push_back(std::string(key));
}

size_t WorkQueue::Len() const {
  absl::MutexLock lock(&mu_);
  return queue_.size();
}

void WorkQueue::ShutDown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  draining_ = false;
}

bool WorkQueue::ShutDownWithDrain() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  draining_ = true;
  options_.clock->AwaitWithTimeout(&mu_, absl::Condition(this, &WorkQueue::DrainedOrAbandoned),
                                   options_.drain_timeout);
  draining_ = false;
  return queue_.empty() && processing_.empty();
}

bool WorkQueue::ShuttingDown() const {
  absl::MutexLock lock(&mu_);
  return shutting_down_;
}

}  // namespace flyover::kube
