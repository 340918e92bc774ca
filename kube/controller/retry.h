// Retrying an operation that lost an optimistic-concurrency race, as client-go's
// k8s.io/client-go/util/retry does:
//
//   absl::Status status = RetryOnConflict(DefaultRetry(), [&]() -> absl::Status {
//     ASSIGN_OR_RETURN(nlohmann::json job, client->Get(PostTrainingJobsResource(), ns, name));
//     job["status"]["phase"] = "Running";
//     return client->UpdateStatus(PostTrainingJobsResource(), job).status();
//   });
//
// `fn` runs at most `backoff.steps` times. After each attempt that fails with a conflict
// (IsConflict(): a 409 that is not AlreadyExists, or Aborted), the helper sleeps on the
// clock for the next delay and tries again; any other outcome (OK included) is returned at
// once. When the steps run out, the last conflict is returned. The function must re-read
// what it modifies on each attempt: retrying a write built from stale data conflicts again.
//
// Delays follow wait.Backoff: the first is `duration`, each next one is the previous times
// `factor` (capped at `cap` when set), and each is lengthened by a random fraction of up to
// `jitter` of itself. No sleep follows the last attempt.
//
// Thread-safety: the functions are reentrant; the clock must be thread-safe (all are).
#ifndef FLYOVER_KUBE_CONTROLLER_RETRY_H_
#define FLYOVER_KUBE_CONTROLLER_RETRY_H_

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::kube {

struct RetryBackoff {
  absl::Duration duration = absl::Milliseconds(10);  // the first delay
  double factor = 1.0;       // multiplies the delay after each step; <= 1 keeps it
  double jitter = 0.1;       // each delay grows by up to this fraction of itself; 0 = none
  int steps = 5;             // attempts at most (values below 1 count as 1)
  absl::Duration cap = absl::ZeroDuration();  // upper bound on a delay; zero = none
};

// client-go's retry.DefaultRetry: 5 steps, 10 ms, factor 1, jitter 0.1. For conflicts.
[[nodiscard]] RetryBackoff DefaultRetry();
// client-go's retry.DefaultBackoff: 4 steps, 10 ms, factor 5, jitter 0.1. For errors that
// need the server to make progress first.
[[nodiscard]] RetryBackoff DefaultBackoff();

// The delays (without jitter) that `backoff` sleeps between its attempts: steps - 1 values.
[[nodiscard]] std::vector<absl::Duration> BackoffDelays(const RetryBackoff& backoff);

// Runs `fn` until it returns something `retriable` rejects, or `backoff.steps` attempts
// have been made; returns the last result. Sleeps on `clock` between attempts.
[[nodiscard]] absl::Status RetryOnError(const RetryBackoff& backoff,
                                        absl::FunctionRef<bool(const absl::Status&)> retriable,
                                        absl::FunctionRef<absl::Status()> fn,
                                        Clock* clock = RealClock());

// RetryOnError(backoff, IsConflict, fn, clock).
[[nodiscard]] absl::Status RetryOnConflict(const RetryBackoff& backoff,
                                           absl::FunctionRef<absl::Status()> fn,
                                           Clock* clock = RealClock());

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_RETRY_H_
