// FakeLeaderElector: a LeaderElector whose leadership the test decides, for unit tests of
// the Manager and of anything else that reacts to leadership.
//
//   FakeLeaderElector elector("replica-a");
//   std::thread t([&] { status = elector.Run(&stop, callbacks); });
//   ASSERT_TRUE(elector.WaitUntilRunning());
//   elector.Elect();            // Run() calls on_new_leader, then on_started_leading
//   elector.LoseLeadership();   // on_stopped_leading; Run() returns Aborted
//
// Callbacks run on Run()'s thread, as with LeaseLeaderElector. A run stopped through its
// StopSignal while leading counts as a release (released() turns true).
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_LEADER_ELECTOR_H_
#define FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_LEADER_ELECTOR_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/controller/leader_elector.h"

namespace flyover::kube {

class FakeLeaderElector final : public LeaderElector {
 public:
  explicit FakeLeaderElector(std::string identity = "fake-identity");

  absl::Status Run(StopSignal* stop, const LeaderCallbacks& callbacks) override
      ABSL_LOCKS_EXCLUDED(mu_);
  bool IsLeader() const override ABSL_LOCKS_EXCLUDED(mu_);
  std::string Leader() const override ABSL_LOCKS_EXCLUDED(mu_);
  std::string Identity() const override { return identity_; }

  // The running (or next) Run() starts leading.
  void Elect() ABSL_LOCKS_EXCLUDED(mu_);
  // The running Run() stops leading as if a renewal deadline passed: Aborted.
  void LoseLeadership() ABSL_LOCKS_EXCLUDED(mu_);
  // Waits (real time) until a Run() is in progress.
  [[nodiscard]] bool WaitUntilRunning(absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);
  // Whether a Run() ended by its StopSignal while leading (a lease release).
  [[nodiscard]] bool released() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int runs() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  bool ElectedOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return elect_ || stop_seen_; }
  bool LostOrStopped() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return lose_ || stop_seen_; }

  const std::string identity_;

  mutable absl::Mutex mu_;
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool elect_ ABSL_GUARDED_BY(mu_) = false;
  bool lose_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_seen_ ABSL_GUARDED_BY(mu_) = false;
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  int runs_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_LEADER_ELECTOR_H_
