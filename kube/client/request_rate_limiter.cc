#include "kube/client/request_rate_limiter.h"

#include <algorithm>

namespace flyover::kube {

RequestRateLimiter::RequestRateLimiter(RequestRateLimiterOptions options, Clock* clock)
    : options_(RequestRateLimiterOptions{options.qps, std::max(1, options.burst)}),
      clock_(clock),
      tokens_(std::max(1, options.burst)),
      last_(clock->Now()) {}

void RequestRateLimiter::RefillLocked(absl::Time now) {
  if (now <= last_) return;
  tokens_ = std::min<double>(options_.burst,
                             tokens_ + absl::ToDoubleSeconds(now - last_) * options_.qps);
  last_ = now;
}

absl::StatusOr<absl::Duration> RequestRateLimiter::Wait(absl::Time deadline) {
  if (!enabled()) return absl::ZeroDuration();
  absl::Duration wait;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    RefillLocked(now);
    tokens_ -= 1;
    wait = tokens_ >= 0 ? absl::ZeroDuration() : absl::Seconds(-tokens_ / options_.qps);
    if (now + wait > deadline) {
      tokens_ += 1;
      return absl::DeadlineExceededError(
          "client rate limiter: the request would wait past its deadline");
    }
  }
  clock_->SleepFor(wait);
  return wait;
}

bool RequestRateLimiter::TryAccept() {
  if (!enabled()) return true;
  absl::MutexLock lock(&mu_);
  RefillLocked(clock_->Now());
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace flyover::kube
