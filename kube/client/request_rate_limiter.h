// RequestRateLimiter: the client-side QPS/burst limit client-go applies to every
// request (flowcontrol.NewTokenBucketRateLimiter; defaults QPS 5, burst 10).
//
// The bucket holds up to `burst` tokens and refills at `qps` tokens per second. Each
// request takes one; when none is left, the caller is given the time its token will
// exist and sleeps until then on the injected Clock (so tests drive it with a
// FakeClock). Tokens are handed out in the order they are asked for. A limiter with
// qps <= 0 is off: Wait() returns at once.
//
// Thread-safety: safe to call from many threads. The Clock is borrowed and must outlive
// the limiter.
#ifndef FLYOVER_KUBE_CLIENT_REQUEST_RATE_LIMITER_H_
#define FLYOVER_KUBE_CLIENT_REQUEST_RATE_LIMITER_H_

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::kube {

struct RequestRateLimiterOptions {
  double qps = 5.0;  // <= 0 turns the limiter off
  int burst = 10;    // at least 1 when on
};

class RequestRateLimiter {
 public:
  RequestRateLimiter(RequestRateLimiterOptions options, Clock* clock);

  // Takes a token, sleeping until it is available. If it would not be available by
  // `deadline`, returns DeadlineExceeded at once without taking it. Returns how long the
  // caller slept.
  [[nodiscard]] absl::StatusOr<absl::Duration> Wait(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);

  // Takes a token if one is available now.
  [[nodiscard]] bool TryAccept() ABSL_LOCKS_EXCLUDED(mu_);

  [[nodiscard]] bool enabled() const { return options_.qps > 0; }

 private:
  void RefillLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const RequestRateLimiterOptions options_;
  Clock* const clock_;

  absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);  // negative: tokens already promised to waiters
  absl::Time last_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_REQUEST_RATE_LIMITER_H_
