#include "kube/cache/testing/fake_informer_driver.h"

#include <optional>

namespace flyover::kube {
namespace {

// How often a wait for the reflector's backoff re-checks whether the reflector went on.
constexpr absl::Duration kRecheckInterval = absl::Milliseconds(20);

}  // namespace

bool FakeInformerDriver::Settle(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const std::optional<FakeListerWatcher::Idle> idle =
        fake_->WaitForIdle(handled_failure_, deadline - absl::Now());
    if (!idle.has_value()) return false;
    if (idle->kind == FakeListerWatcher::Idle::Kind::kWatching) return true;
    // The call failed: the reflector is about to wait out a backoff on the clock. If the
    // test moved the clock itself, the reflector may go on without that wait, so keep an
    // eye on the fake's calls while waiting for it.
    handled_failure_ = idle->call;
    while (true) {
      if (clock_->BlockUntilWaiters(other_clock_waiters_ + 1, kRecheckInterval)) {
        clock_->Advance(max_backoff_);
        break;
      }
      if (fake_->LastCallId() > idle->call) break;
      if (absl::Now() >= deadline) return false;
    }
  }
}

void FakeInformerDriver::CloseWatches(absl::Duration watched_for) {
  clock_->Advance(watched_for);
  fake_->EndWatches(absl::OkStatus());
}

}  // namespace flyover::kube
