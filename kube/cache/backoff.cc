#include "kube/cache/backoff.h"

#include <algorithm>

namespace flyover::kube {

Backoff::Backoff(const BackoffOptions& options, Clock* clock, uint64_t seed)
    : options_(options), clock_(clock), random_(seed) {}

absl::Duration Backoff::Next() {
  const absl::Time now = clock_->Now();
  if (now - last_end_ >= options_.reset_after) base_ = std::nullopt;
  base_ = base_.has_value() ? std::min(*base_ * options_.factor, options_.max)
                            : std::min(options_.initial, options_.max);
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
  const absl::Duration delay = *base_ * (1.0 - options_.jitter * u);
  last_end_ = now + delay;
  return delay;
}

}  // namespace flyover::kube
