// WatchBackoff: the reconnect delay of client-go's reflector (exponentialBackoffManager with
// 800 ms initial, 30 s cap, factor 2, jitter 1.0, reset after 2 min).
//
// Next() returns base * (1 + jitter * r) for r drawn from `random` in [0, 1), then
// doubles base up to `max`; so delays run 0.8-1.6 s, 1.6-3.2 s, ... and then 30-60 s,
// as in client-go (jitter applies on top of the cap). If more than `reset_after` has
// passed since the previous Next() (a healthy period), base starts over at `initial`.
//
// Thread-compatible: one watch loop owns one WatchBackoff. The Clock is borrowed.
#ifndef FLYOVER_KUBE_CLIENT_WATCH_BACKOFF_H_
#define FLYOVER_KUBE_CLIENT_WATCH_BACKOFF_H_

#include <functional>

#include "absl/time/time.h"
#include "common/clock.h"

namespace flyover::kube {

struct WatchBackoffOptions {
  absl::Duration initial = absl::Milliseconds(800);
  absl::Duration max = absl::Seconds(30);
  double factor = 2.0;
  double jitter = 1.0;
  absl::Duration reset_after = absl::Minutes(2);
};

// A source of uniform doubles in [0, 1).
using RandomSource = std::function<double()>;
// A thread-safe RandomSource seeded from the OS.
[[nodiscard]] RandomSource DefaultRandomSource();

class WatchBackoff {
 public:
  WatchBackoff(WatchBackoffOptions options, Clock* clock, RandomSource random);

  [[nodiscard]] absl::Duration Next();
  void Reset();

 private:
  const WatchBackoffOptions options_;
  Clock* const clock_;
  RandomSource random_;
  absl::Duration base_;
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_WATCH_BACKOFF_H_
