// Rate limiters for work queue retries, after client-go's workqueue rate limiters.
//
// A RateLimiter answers "how long should this key wait before it is retried?" (When), counts
// the retries of a key (NumRequeues) and forgets a key once it succeeded (Forget).
//
//   ItemExponentialRateLimiter  per key: base * 2^failures, capped (5 ms .. 1000 s by default)
//   TokenBucketRateLimiter      overall: `qps` tokens per second, `burst` at most; a retry
//                               that finds no token waits for the next (reservations queue
//                               up, like golang.org/x/time/rate's Reserve)
//   MaxOfRateLimiter            the longest wait of several limiters
//   DefaultControllerRateLimiter(clock)
//                               max(exponential 5 ms..1000 s, bucket 10 qps / burst 100):
//                               client-go's DefaultControllerRateLimiter
//
// Thread-safety: every limiter is thread-safe. Clocks are not owned and must outlive them.
#ifndef FLYOVER_KUBE_CACHE_RATE_LIMITER_H_
#define FLYOVER_KUBE_CACHE_RATE_LIMITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::kube {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long `key` should wait before its next attempt; records one more failure.
  virtual absl::Duration When(absl::string_view key) = 0;
  // Stops tracking `key` (its next failure starts over).
  virtual void Forget(absl::string_view key) = 0;
  // Failures recorded for `key` since it was last forgotten.
  virtual int NumRequeues(absl::string_view key) = 0;
};

class ItemExponentialRateLimiter final : public RateLimiter {
 public:
  ItemExponentialRateLimiter(absl::Duration base, absl::Duration max);

  absl::Duration When(absl::string_view key) override ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(absl::string_view key) override ABSL_LOCKS_EXCLUDED(mu_);
  int NumRequeues(absl::string_view key) override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const absl::Duration base_;
  const absl::Duration max_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> failures_ ABSL_GUARDED_BY(mu_);
};

class TokenBucketRateLimiter final : public RateLimiter {
 public:
  // Starts full (`burst` tokens). `qps` > 0, `burst` >= 1.
  TokenBucketRateLimiter(double qps, int burst, Clock* clock);

  absl::Duration When(absl::string_view key) override ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(absl::string_view) override {}
  int NumRequeues(absl::string_view) override { return 0; }

 private:
  const double qps_;
  const double burst_;
  Clock* const clock_;
  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);  // negative: reservations waiting for tokens
  absl::Time last_ ABSL_GUARDED_BY(mu_);
};

class MaxOfRateLimiter final : public RateLimiter {
 public:
  explicit MaxOfRateLimiter(std::vector<std::unique_ptr<RateLimiter>> limiters);

  absl::Duration When(absl::string_view key) override;
  void Forget(absl::string_view key) override;
  int NumRequeues(absl::string_view key) override;

 private:
  const std::vector<std::unique_ptr<RateLimiter>> limiters_;
};

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter(Clock* clock);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_RATE_LIMITER_H_
