// Backoff: exponential, jittered retry delays that reset after a quiet period, as client-go's
// exponential backoff manager gives its reflectors.
//
//   Backoff backoff(BackoffOptions{}, clock, seed);
//   while (!Try().ok()) stop.WaitFor(clock, backoff.Next());
//
// Each Next() doubles the base delay, from `initial` up to `max`, and returns it reduced by a
// random fraction of up to `jitter`, so clients that failed together spread out and no wait
// ever exceeds `max`. When `reset_after` has passed since the previous delay ended, the base
// starts over at `initial`: one failure after a long healthy run waits the short delay.
//
// Thread-compatible: one owner calls it.
#ifndef FLYOVER_KUBE_CACHE_BACKOFF_H_
#define FLYOVER_KUBE_CACHE_BACKOFF_H_

#include <cstdint>
#include <optional>
#include <random>

#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::kube {

struct BackoffOptions {
  absl::Duration initial = absl::Milliseconds(800);
  absl::Duration max = absl::Seconds(30);
  double factor = 2.0;
  // Each delay is base * (1 - jitter * U[0, 1)).
  double jitter = 0.2;
  absl::Duration reset_after = absl::Minutes(2);
};

class Backoff {
 public:
  // `clock` is not owned and must outlive this. The same seed gives the same delays.
  Backoff(const BackoffOptions& options, Clock* clock, uint64_t seed);

  // The delay before the next attempt.
  absl::Duration Next();
  // Starts over at `initial`.
  void Reset() { base_ = std::nullopt; }

 private:
  const BackoffOptions options_;
  Clock* const clock_;
  std::mt19937_64 random_;
  std::optional<absl::Duration> base_;  // the last undiminished delay; none before the first
  absl::Time last_end_ = absl::InfinitePast();  // when the previous delay ended
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_BACKOFF_H_
