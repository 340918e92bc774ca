// ElectorRunner: runs LeaderElector::Run() on a thread of its own and records what the
// callbacks report, for tests of leader election and of code that reacts to it.
//
//   ElectorRunner a(elector_a.get());
//   ASSERT_TRUE(a.WaitStartedLeading());
//   a.Stop();                          // signals the StopSignal and joins
//   EXPECT_TRUE(a.result().ok());
//
// Thread-safety: all methods are thread-safe; Stop() and the destructor join the thread
// and must not be called from a callback.
#ifndef FLYOVER_KUBE_CONTROLLER_TESTING_ELECTOR_RUNNER_H_
#define FLYOVER_KUBE_CONTROLLER_TESTING_ELECTOR_RUNNER_H_

#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/stop_signal.h"
#include "kube/controller/leader_elector.h"

namespace flyover::kube {

class ElectorRunner {
 public:
  // Starts elector->Run(); `elector` is borrowed and must outlive the runner.
  explicit ElectorRunner(LeaderElector* elector);
  ~ElectorRunner();  // Stop()
  ElectorRunner(const ElectorRunner&) = delete;
  ElectorRunner& operator=(const ElectorRunner&) = delete;

  // Wait (real time) for on_started_leading / for Run() to return.
  [[nodiscard]] bool WaitStartedLeading(absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] bool WaitFinished(absl::Duration timeout = absl::Seconds(10))
      ABSL_LOCKS_EXCLUDED(mu_);
  // Signals the run's StopSignal and joins the thread. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_, join_mu_);

  [[nodiscard]] bool started_leading() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] bool stopped_leading() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] bool finished() const ABSL_LOCKS_EXCLUDED(mu_);
  // Run()'s result; OK until it has finished.
  [[nodiscard]] absl::Status result() const ABSL_LOCKS_EXCLUDED(mu_);
  // Every identity on_new_leader reported, in order.
  [[nodiscard]] std::vector<std::string> leaders_observed() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  StopSignal stop_;
  mutable absl::Mutex mu_;
  bool started_leading_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_leading_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> leaders_ ABSL_GUARDED_BY(mu_);
  absl::Mutex join_mu_;
  std::thread thread_;  // started last
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_TESTING_ELECTOR_RUNNER_H_
