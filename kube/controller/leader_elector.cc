#include "kube/controller/leader_elector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "prometheus/family.h"

namespace flyover::kube {
namespace {

absl::Status ValidateConfig(const LeaseLock* lock, const LeaderElectionConfig& c) {
  auto invalid = [](absl::string_view field, absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("leader election ", field, ": ", why));
  };
  if (lock == nullptr) return invalid("lock", "must be given");
  if (c.clock == nullptr) return invalid("clock", "must be given");
  if (c.identity.empty()) return invalid("identity", "must not be empty");
  if (c.retry_period <= absl::ZeroDuration()) return invalid("retry_period", "must be positive");
  if (c.lease_duration < absl::Seconds(1)) {
    return invalid("lease_duration", "must be at least 1s");
  }
  if (c.jitter_factor < 0) return invalid("jitter_factor", "must not be negative");
  if (c.observe_period <= absl::ZeroDuration() || c.observe_period > c.retry_period) {
    return invalid("observe_period", "must be positive and at most retry_period");
  }
  if (c.lease_duration <= c.renew_deadline) {
    return invalid("lease_duration", "must be greater than renew_deadline");
  }
  if (c.renew_deadline <= c.retry_period * c.jitter_factor) {
    return invalid("renew_deadline", "must be greater than retry_period * jitter_factor");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LeaseLeaderElector>> LeaseLeaderElector::Create(
    std::unique_ptr<LeaseLock> lock, LeaderElectionConfig config) {
  RETURN_IF_ERROR(ValidateConfig(lock.get(), config));
  return std::unique_ptr<LeaseLeaderElector>(
      new LeaseLeaderElector(std::move(lock), std::move(config)));
}

LeaseLeaderElector::LeaseLeaderElector(std::unique_ptr<LeaseLock> lock,
                                       LeaderElectionConfig config)
    : lock_(std::move(lock)),
      config_(std::move(config)),
      clock_(config_.clock),
      logger_(log::Logger("leader-election")
                  .WithValues({{"lease", lock_->Describe()}, {"identity", config_.identity}})) {
  if (config_.registry != nullptr) {
    auto& family = prometheus::BuildGauge()
                       .Name("flyover_leader_election_status")
                       .Help("1 while this process holds the leader lease, else 0.")
                       .Register(*config_.registry);
    status_gauge_ = &family.Add({{"name", config_.name.empty() ? lock_->Describe()
                                                               : config_.name}});
    status_gauge_->Set(0);
  }
}

bool LeaseLeaderElector::IsLeader() const {
  absl::MutexLock lock(&mu_);
  return leading_;
}

std::string LeaseLeaderElector::Leader() const {
  absl::MutexLock lock(&mu_);
  return observed_record_.holder_identity;
}

absl::Status LeaseLeaderElector::Run(StopSignal* stop, const LeaderCallbacks& callbacks) {
  logger_.Info("attempting to acquire leader lease");
  if (!Acquire(stop, callbacks)) return absl::OkStatus();
  logger_.Info("successfully acquired lease");
  SetLeading(true);
  if (callbacks.on_started_leading) callbacks.on_started_leading();
  absl::Status result = Renew(stop, callbacks);
  SetLeading(false);
  if (result.ok() && config_.release_on_cancel) Release();
  if (callbacks.on_stopped_leading) callbacks.on_stopped_leading();
  return result;
}

bool LeaseLeaderElector::Acquire(StopSignal* stop, const LeaderCallbacks& callbacks) {
  while (!stop->stopped()) {
    const Attempt attempt = TryAcquireOrRenew();
    ReportTransition(callbacks);
    if (attempt == Attempt::kHolding) return true;
    const absl::Duration wait =
        attempt == Attempt::kHeldByOther ? ObserveWait() : AcquireWait();
    if (stop->WaitFor(clock_, wait)) break;
  }
  return false;
}

absl::Status LeaseLeaderElector::Renew(StopSignal* stop, const LeaderCallbacks& callbacks) {
  for (;;) {
    bool stopped = false;
    const bool renewed = RenewWithinDeadline(stop, &stopped);
    ReportTransition(callbacks);
    if (stopped) return absl::OkStatus();
    if (!renewed) {
      logger_.Error("failed to renew lease", {{"renew_deadline", config_.renew_deadline}});
      return absl::AbortedError(absl::StrCat("leader election lost: lease ", lock_->Describe(),
                                             " not renewed within ",
                                             absl::FormatDuration(config_.renew_deadline)));
    }
    if (stop->WaitFor(clock_, config_.retry_period)) return absl::OkStatus();
  }
}

bool LeaseLeaderElector::RenewWithinDeadline(StopSignal* stop, bool* stopped) {
  const absl::Time deadline = clock_->Now() + config_.renew_deadline;
  for (;;) {
    if (TryAcquireOrRenew() == Attempt::kHolding) return true;
    const absl::Duration left = deadline - clock_->Now();
    if (left <= absl::ZeroDuration()) return false;
    if (stop->WaitFor(clock_, std::min(config_.retry_period, left))) {
      *stopped = true;
      return false;
    }
    if (clock_->Now() >= deadline) return false;
  }
}

bool LeaseLeaderElector::HeldByOther(const LeaderElectionRecord& current, absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (current != observed_record_) {
    observed_record_ = current;
    observed_time_ = now;
  }
  if (observed_record_.holder_identity == config_.identity) return false;
  return !current.holder_identity.empty() &&
         observed_time_ + absl::Seconds(current.lease_duration_seconds) > now;
}

LeaseLeaderElector::Attempt LeaseLeaderElector::TryAcquireOrRenew() {
  const absl::Time now = TruncateToMicros(clock_->Now());
  LeaderElectionRecord desired{.holder_identity = config_.identity,
                               .lease_duration_seconds =
                                   absl::ToInt64Seconds(config_.lease_duration),
                               .acquire_time = now,
                               .renew_time = now,
                               .leader_transitions = 0};
  absl::StatusOr<LeaderElectionRecord> current = lock_->Get();
  if (!current.ok()) {
    if (!absl::IsNotFound(current.status())) {
      logger_.Error(current.status(), "error retrieving lease");
      return Attempt::kFailed;
    }
    if (absl::Status created = lock_->Create(desired); !created.ok()) {
      logger_.Warn("error creating lease", {{"error", created}});
      return Attempt::kFailed;
    }
    SetObserved(desired, now);
    return Attempt::kHolding;
  }
  // The observation time is read after the record: never before the change it saw.
  if (HeldByOther(*current, clock_->Now())) return Attempt::kHeldByOther;
  if (current->holder_identity == config_.identity) {
    desired.acquire_time = current->acquire_time;
    desired.leader_transitions = current->leader_transitions;
  } else {
    desired.leader_transitions = current->leader_transitions + 1;
  }
  if (absl::Status updated = lock_->Update(desired); !updated.ok()) {
    logger_.Warn("error updating lease", {{"error", updated}});
    return Attempt::kFailed;
  }
  SetObserved(desired, now);
  return Attempt::kHolding;
}

void LeaseLeaderElector::Release() {
  LeaderElectionRecord released;
  {
    absl::MutexLock lock(&mu_);
    if (observed_record_.holder_identity != config_.identity) return;
    released.leader_transitions = observed_record_.leader_transitions;
  }
  const absl::Time now = TruncateToMicros(clock_->Now());
  released.lease_duration_seconds = 1;
  released.acquire_time = now;
  released.renew_time = now;
  if (absl::Status status = lock_->Update(released); !status.ok()) {
    logger_.Error(status, "failed to release lease");
    return;
  }
  SetObserved(released, now);
  logger_.Info("released lease");
}

void LeaseLeaderElector::SetObserved(const LeaderElectionRecord& record, absl::Time now) {
  absl::MutexLock lock(&mu_);
  observed_record_ = record;
  observed_time_ = now;
}

void LeaseLeaderElector::SetLeading(bool leading) {
  {
    absl::MutexLock lock(&mu_);
    leading_ = leading;
  }
  if (status_gauge_ != nullptr) status_gauge_->Set(leading ? 1 : 0);
}

void LeaseLeaderElector::ReportTransition(const LeaderCallbacks& callbacks) {
  std::string leader;
  {
    absl::MutexLock lock(&mu_);
    if (observed_record_.holder_identity == reported_leader_) return;
    reported_leader_ = observed_record_.holder_identity;
    leader = reported_leader_;
  }
  logger_.Info("new leader observed", {{"leader", leader}});
  if (callbacks.on_new_leader) callbacks.on_new_leader(leader);
}

absl::Duration LeaseLeaderElector::ObserveWait() {
  absl::Time expiry;
  {
    absl::MutexLock lock(&mu_);
    expiry = observed_time_ + absl::Seconds(observed_record_.lease_duration_seconds);
  }
  return std::clamp(expiry - clock_->Now(), absl::ZeroDuration(), config_.observe_period);
}

absl::Duration LeaseLeaderElector::AcquireWait() {
  if (config_.jitter_factor <= 0) return config_.retry_period;
  return config_.retry_period * (1 + config_.jitter_factor * absl::Uniform(random_, 0.0, 1.0));
}

}  // namespace flyover::kube
