// FakeInformerDriver: brings an informer that reads from a FakeListerWatcher and times itself
// on a FakeClock to a quiet state, without sleeps: the informer is watching and its store has
// applied every event the fake sent. Whenever the informer's reflector fails a call and backs
// off, the driver waits until the reflector is blocked on the clock and advances the clock
// past any backoff.
//
//   FakeListerWatcher* fake = ...;   FakeClock clock;   SharedInformer informer(..., &clock);
//   FakeInformerDriver driver(fake, &clock);
//   informer.Start();
//   ASSERT_TRUE(driver.Settle());             // listed and watching
//   fake->Create(MakeObject({...}));
//   fake->EndWatches(absl::UnavailableError("reset"));
//   ASSERT_TRUE(driver.Settle());             // reconnected, caught up
//
// Assumptions: `other_clock_waiters` threads other than the reflector wait on the clock with
// a deadline (e.g. 1 when a handler has a resync period); each Settle may advance the clock by
// multiples of `max_backoff`; a watch the test ends normally (EndWatches(OK)) must have
// delivered an event or lasted min_watch_duration on the clock (CloseWatches() does that),
// or the reflector counts it as too short and backs off unseen. A test may move the clock
// itself in between; the driver then notices that the reflector went on by itself.
//
// Thread-compatible: one test thread uses it.
#ifndef FLYOVER_KUBE_CACHE_TESTING_FAKE_INFORMER_DRIVER_H_
#define FLYOVER_KUBE_CACHE_TESTING_FAKE_INFORMER_DRIVER_H_

#include <cstdint>

#include "absl/time/time.h"
#include "common/fake_clock.h"
#include "kube/cache/testing/fake_lister_watcher.h"

namespace flyover::kube {

class FakeInformerDriver {
 public:
  // Neither is owned. `max_backoff` must be at least the reflector's BackoffOptions::max.
  FakeInformerDriver(FakeListerWatcher* fake, FakeClock* clock,
                     absl::Duration max_backoff = absl::Seconds(30), int other_clock_waiters = 0)
      : fake_(fake),
        clock_(clock),
        max_backoff_(max_backoff),
        other_clock_waiters_(other_clock_waiters) {}

  // Returns once the informer watches with everything applied; false if that takes longer
  // than `timeout` of real time.
  [[nodiscard]] bool Settle(absl::Duration timeout = absl::Seconds(20));

  // Ends the live watches as the server's watch timeout does: advances the clock by
  // `watched_for` first so that the watch does not count as too short.
  void CloseWatches(absl::Duration watched_for = absl::Seconds(5));

 private:
  FakeListerWatcher* const fake_;
  FakeClock* const clock_;
  const absl::Duration max_backoff_;
  const int other_clock_waiters_;
  int64_t handled_failure_ = 0;  // the newest failed call already driven past
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_TESTING_FAKE_INFORMER_DRIVER_H_
