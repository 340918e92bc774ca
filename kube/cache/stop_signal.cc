#include "kube/cache/stop_signal.h"

#include <utility>

namespace flyover::kube {

StopSignal::Registration& StopSignal::Registration::operator=(Registration&& other) noexcept {
  if (this != &other) {
    Reset();
    signal_ = std::exchange(other.signal_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

void StopSignal::Registration::Reset() {
  if (signal_ != nullptr) signal_->Unregister(id_);
  signal_ = nullptr;
}

void StopSignal::Stop() {
  absl::MutexLock lock(&mu_);
  if (stopped_) return;
  stopped_ = true;
  // Under the lock, so that Unregister() returning means the callback is not running.
  for (auto& [id, callback] : callbacks_) callback();
  callbacks_.clear();
}

bool StopSignal::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

bool StopSignal::WaitFor(Clock* clock, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return clock->AwaitWithTimeout(&mu_, absl::Condition(&stopped_), timeout);
}

StopSignal::Registration StopSignal::OnStop(std::function<void()> callback) {
  absl::MutexLock lock(&mu_);
  if (stopped_) {
    callback();
    return Registration();
  }
  const uint64_t id = next_id_++;
  callbacks_.emplace(id, std::move(callback));
  return Registration(this, id);
}

void StopSignal::Unregister(uint64_t id) {
  absl::MutexLock lock(&mu_);
  callbacks_.erase(id);
}

}  // namespace flyover::kube
