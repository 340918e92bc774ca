#include "kube/controller/retry.h"

#include <algorithm>
#include <vector>

#include "absl/random/random.h"
#include "kube/client/api_status.h"

namespace flyover::kube {

RetryBackoff DefaultRetry() {
  return RetryBackoff{.duration = absl::Milliseconds(10), .factor = 1.0, .jitter = 0.1, .steps = 5};
}

RetryBackoff DefaultBackoff() {
  return RetryBackoff{.duration = absl::Milliseconds(10), .factor = 5.0, .jitter = 0.1, .steps = 4};
}

std::vector<absl::Duration> BackoffDelays(const RetryBackoff& backoff) {
  std::vector<absl::Duration> delays;
  absl::Duration next = backoff.duration;
  for (int step = 1; step < backoff.steps; ++step) {
    absl::Duration delay = next;
    if (backoff.cap > absl::ZeroDuration()) delay = std::min(delay, backoff.cap);
    delays.push_back(delay);
    if (backoff.factor > 1.0) next = next * backoff.factor;
  }
  return delays;
}

absl::Status RetryOnError(const RetryBackoff& backoff,
                          absl::FunctionRef<bool(const absl::Status&)> retriable,
                          absl::FunctionRef<absl::Status()> fn, Clock* clock) {
  absl::BitGen random;
  const std::vector<absl::Duration> delays = BackoffDelays(backoff);
  for (size_t attempt = 0;; ++attempt) {
    absl::Status status = fn();
    if (status.ok() || !retriable(status) || attempt >= delays.size()) return status;
    absl::Duration delay = delays[attempt];
    if (backoff.jitter > 0) delay += delay * (backoff.jitter * absl::Uniform(random, 0.0, 1.0));
    clock->SleepFor(delay);
  }
}

absl::Status RetryOnConflict(const RetryBackoff& backoff, absl::FunctionRef<absl::Status()> fn,
                             Clock* clock) {
  return RetryOnError(
      backoff, [](const absl::Status& status) { return IsConflict(status); }, fn, clock);
}

}  // namespace flyover::kube
