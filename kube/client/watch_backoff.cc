#include "kube/client/watch_backoff.h"

#include <algorithm>
#include <memory>

#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"

namespace flyover::kube {

RandomSource DefaultRandomSource() {
  struct Shared {
    absl::Mutex mu;
    absl::BitGen gen ABSL_GUARDED_BY(mu);
  };
  auto shared = std::make_shared<Shared>();
  return [shared] {
    absl::MutexLock lock(&shared->mu);
    return absl::Uniform(shared->gen, 0.0, 1.0);
  };
}

WatchBackoff::WatchBackoff(WatchBackoffOptions options, Clock* clock, RandomSource random)
    : options_(options), clock_(clock), random_(std::move(random)), base_(options.initial) {}

absl::Duration WatchBackoff::Next() {
  const absl::Time now = clock_->Now();
  if (now - last_ > options_.reset_after) base_ = options_.initial;
  last_ = now;
  const absl::Duration delay = base_ * (1.0 + options_.jitter * random_());
  base_ = std::min(base_ * options_.factor, options_.max);
  return delay;
}

void WatchBackoff::Reset() {
  base_ = options_.initial;
  last_ = absl::InfinitePast();
}

}  // namespace flyover::kube
