#include "kube/cache/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace flyover::kube {

ItemExponentialRateLimiter::ItemExponentialRateLimiter(absl::Duration base, absl::Duration max)
    : base_(base), max_(max) {}

absl::Duration ItemExponentialRateLimiter::When(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  const int exponent = failures_[key]++;
  // Computed in floating point so that large exponents saturate instead of overflowing.
  const double seconds = absl::ToDoubleSeconds(base_) * std::pow(2.0, exponent);
  if (seconds >= absl::ToDoubleSeconds(max_)) return max_;
  return absl::Seconds(seconds);
}

void ItemExponentialRateLimiter::Forget(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::NumRequeues(absl::string_view key) {
  absl::MutexLock lock(&mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(double qps, int burst, Clock* clock)
    : qps_(qps), burst_(burst), clock_(clock), tokens_(burst), last_(clock->Now()) {}

absl::Duration TokenBucketRateLimiter::When(absl::string_view) {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * qps_);
    last_ = now;
  }
  tokens_ -= 1;
  if (tokens_ >= 0) return absl::ZeroDuration();
  return absl::Seconds(-tokens_ / qps_);
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters)
    : limiters_(std::move(limiters)) {}

absl::Duration MaxOfRateLimiter::When(absl::string_view key) {
  absl::Duration longest = absl::ZeroDuration();
  for (const auto& limiter : limiters_) longest = std::max(longest, limiter->When(key));
  return longest;
}

void MaxOfRateLimiter::Forget(absl::string_view key) {
  for (const auto& limiter : limiters_) limiter->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(absl::string_view key) {
  int most = 0;
  for (const auto& limiter : limiters_) most = std::max(most, limiter->NumRequeues(key));
  return most;
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock* clock) {
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(
      std::make_unique<ItemExponentialRateLimiter>(absl::Milliseconds(5), absl::Seconds(1000)));
  limiters.push_back(std::make_unique<TokenBucketRateLimiter>(10.0, 100, clock));
  return std::make_unique<MaxOfRateLimiter>(std::move(limiters));
}

}  // namespace flyover::kube
