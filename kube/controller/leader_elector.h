// Leader election: at most one of several replicas of a component acts at a time.
//
// LeaderElector is the interface the Manager (manager.h) drives; LeaseLeaderElector
// implements client-go's leaderelection algorithm on a LeaseLock (lease_lock.h), normally a
// coordination.k8s.io/v1 Lease; FakeLeaderElector (testing/fake_leader_elector.h) lets
// tests decide who leads.
//
//   auto lock = std::make_unique<RestLeaseLock>(client, "flyover-system", "flyover-operator");
//   ASSIGN_OR_RETURN(auto elector, LeaseLeaderElector::Create(std::move(lock),
//                                                             {.identity = pod_name}));
//   absl::Status result = elector->Run(&stop, {.on_started_leading = StartControllers,
//                                              .on_stopped_leading = StopControllers});
//
// The algorithm (client-go's tryAcquireOrRenew):
//   - no Lease: create it holding the lock (leaseTransitions 0);
//   - a Lease held by another identity: it counts as expired only once this candidate has
//     seen the same record, unchanged, for the record's leaseDurationSeconds by its own
//     clock (so clocks need not agree, only run at the same rate); until then, wait;
//   - expired, released (empty holderIdentity) or held by us: write our identity with
//     renewTime = now, keeping acquireTime and leaseTransitions when we already held it, or
//     setting acquireTime = now and leaseTransitions + 1 when taking over. The write is
//     conditional on the resourceVersion read: a 409 means another candidate won.
// While leading, the lease is renewed every `retry_period`; when no renewal has succeeded
// for `renew_deadline`, leadership is lost: on_stopped_leading runs and Run() returns
// Aborted. When `stop` ends the run while leading and `release_on_cancel` is set, the lease
// is released (empty holder, leaseDurationSeconds 1) so that another candidate takes over
// at its next retry instead of waiting for the lease to expire.
//
// Takeover timing (where this differs from client-go, which re-reads only every jittered
// retry period and so takes over up to two such periods after the expiry): while another
// candidate holds an unexpired lease, this one re-reads it every `observe_period`, and
// waits exactly until the computed expiry (its observation time of the last change +
// leaseDurationSeconds) when that comes sooner; after a failed call (an API error, a lost
// 409 race) it waits the jittered retry period as client-go does. The observation time is
// taken after the read returns, so it is never before the change it observed (the safety
// rule is client-go's). Hence, if the holder's last renewal was written at R and its reads
// succeed, this candidate writes its takeover at
//     R + leaseDurationSeconds  <=  takeover  <=  R + leaseDurationSeconds + observe_period + L
// where L is the latency of the requests involved (up to two reads before it notices the
// renewal, then the read and the write that take over) and of waking up (0 on a fake lock
// and a fake clock). For a holder
// killed at K >= R: takeover - K <= leaseDurationSeconds + observe_period + L, and
// takeover - K <= leaseDurationSeconds whenever the last renewal preceded the kill by at
// least observe_period + L. No timing makes the bound tighter without trusting the
// holder's clock: a renewal written just before the kill must be honoured in full.
//
// Differences from client-go: on_stopped_leading runs only if this run was leading, and
// the callbacks run on the thread that called Run(); they must return promptly (start
// threads rather than block in them).
//
// Metrics (when a registry is given): flyover_leader_election_status{name} is 1 while
// leading, else 0.
//
// Thread-safety: Run() is called by one thread at a time; IsLeader(), Leader() and
// Identity() may be called from any thread. The clock must outlive the elector.
#ifndef FLYOVER_KUBE_CONTROLLER_LEADER_ELECTOR_H_
#define FLYOVER_KUBE_CONTROLLER_LEADER_ELECTOR_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "kube/cache/stop_signal.h"
#include "kube/controller/lease_lock.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace flyover::kube {

struct LeaderCallbacks {
  // This candidate became the leader.
  std::function<void()> on_started_leading;
  // This candidate, having led, stopped: leadership lost or the run stopped.
  std::function<void()> on_stopped_leading;
  // The observed holder changed (to `identity`, which may be ours, or "" when released).
  std::function<void(const std::string& identity)> on_new_leader;
};

class LeaderElector {
 public:
  virtual ~LeaderElector() = default;

  // Campaigns until leading, then leads until `stop` or until leadership is lost. Returns
  // OK when `stop` ended the run (whether or not it led), Aborted when leadership was lost.
  // A run that lost leadership does not campaign again: call Run() again to do so.
  [[nodiscard]] virtual absl::Status Run(StopSignal* stop, const LeaderCallbacks& callbacks) = 0;
  // Whether this candidate currently leads.
  [[nodiscard]] virtual bool IsLeader() const = 0;
  // The holder identity last observed ("" when none or not yet known).
  [[nodiscard]] virtual std::string Leader() const = 0;
  [[nodiscard]] virtual std::string Identity() const = 0;
};

struct LeaderElectionConfig {
  // Required, unique among the candidates: usually the pod name (plus a random suffix).
  std::string identity;
  // The `name` label of the metric; empty uses the lock's Describe().
  std::string name;
  // How long a lease holds once its holder stops renewing (client-go: 15 s).
  absl::Duration lease_duration = absl::Seconds(15);
  // How long a leader keeps retrying a failing renewal before it gives up (10 s).
  absl::Duration renew_deadline = absl::Seconds(10);
  // The interval between attempts to acquire or renew (2 s).
  absl::Duration retry_period = absl::Seconds(2);
  // Acquire attempts wait retry_period * (1 + jitter_factor * U[0, 1)) (client-go: 1.2)
  // after a failed call.
  double jitter_factor = 1.2;
  // While another holds the lease, re-read it this often (at most retry_period): bounds
  // how late a renewal is noticed, hence how late a takeover can come (see above).
  absl::Duration observe_period = absl::Milliseconds(250);
  // Clear the holder when `stop` ends a leading run (controller-runtime's
  // LeaderElectionReleaseOnCancel).
  bool release_on_cancel = true;
  Clock* clock = RealClock();  // not owned
  std::shared_ptr<prometheus::Registry> registry;  // null: no metrics
};

class LeaseLeaderElector final : public LeaderElector {
 public:
  // InvalidArgument naming the field unless: identity is set, lease_duration >
  // renew_deadline, renew_deadline > jitter_factor * retry_period, retry_period > 0,
  // lease_duration >= 1 s, jitter_factor >= 0, 0 < observe_period <= retry_period, a lock
  // and a clock are given.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LeaseLeaderElector>> Create(
      std::unique_ptr<LeaseLock> lock, LeaderElectionConfig config);

  absl::Status Run(StopSignal* stop, const LeaderCallbacks& callbacks) override
      ABSL_LOCKS_EXCLUDED(mu_);
  bool IsLeader() const override ABSL_LOCKS_EXCLUDED(mu_);
  std::string Leader() const override ABSL_LOCKS_EXCLUDED(mu_);
  std::string Identity() const override { return config_.identity; }

 private:
  LeaseLeaderElector(std::unique_ptr<LeaseLock> lock, LeaderElectionConfig config);

  enum class Attempt {
    kHolding,      // this candidate holds the lease
    kHeldByOther,  // another holds it and it has not expired by our observation
    kFailed,       // an API error or a lost race
  };
  // One attempt to acquire or renew.
  Attempt TryAcquireOrRenew() ABSL_LOCKS_EXCLUDED(mu_);
  // Records `current` as observed (at `now`, after reading it, when it changed); whether
  // it is held by someone else and not yet expired by our observation at `now`.
  bool HeldByOther(const LeaderElectionRecord& current, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Retries TryAcquireOrRenew() until it succeeds (true) or `stop` (false).
  bool Acquire(StopSignal* stop, const LeaderCallbacks& callbacks);
  // Renews until `stop` (OK) or the renew deadline passes (Aborted).
  absl::Status Renew(StopSignal* stop, const LeaderCallbacks& callbacks);
  // Retries renewal until one succeeds (true), `stop` (sets *stopped) or the deadline.
  bool RenewWithinDeadline(StopSignal* stop, bool* stopped);
  void Release() ABSL_LOCKS_EXCLUDED(mu_);
  void SetObserved(const LeaderElectionRecord& record, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  void SetLeading(bool leading) ABSL_LOCKS_EXCLUDED(mu_);
  void ReportTransition(const LeaderCallbacks& callbacks) ABSL_LOCKS_EXCLUDED(mu_);
  // After a failed attempt: the jittered retry period.
  absl::Duration AcquireWait();
  // While another holds the lease: observe_period, or less to wake at its expiry.
  absl::Duration ObserveWait() ABSL_LOCKS_EXCLUDED(mu_);

  const std::unique_ptr<LeaseLock> lock_;
  const LeaderElectionConfig config_;
  Clock* const clock_;
  const log::Logger logger_;
  prometheus::Gauge* status_gauge_ = nullptr;  // owned by the registry
  absl::BitGen random_;  // used by the Run() thread only

  mutable absl::Mutex mu_;
  LeaderElectionRecord observed_record_ ABSL_GUARDED_BY(mu_);
  absl::Time observed_time_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool leading_ ABSL_GUARDED_BY(mu_) = false;
  std::string reported_leader_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_LEADER_ELECTOR_H_
