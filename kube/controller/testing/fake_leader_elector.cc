#include "kube/controller/testing/fake_leader_elector.h"

#include <utility>

namespace flyover::kube {

FakeLeaderElector::FakeLeaderElector(std::string identity) : identity_(std::move(identity)) {}

absl::Status FakeLeaderElector::Run(StopSignal* stop, const LeaderCallbacks& callbacks) {
  {
    absl::MutexLock lock(&mu_);
    running_ = true;
    stop_seen_ = false;
    ++runs_;
  }
  StopSignal::Registration on_stop = stop->OnStop([this] {
    absl::MutexLock lock(&mu_);
    stop_seen_ = true;
  });
  mu_.Lock();
  mu_.Await(absl::Condition(this, &FakeLeaderElector::ElectedOrStopped));
  if (stop_seen_) {
    running_ = false;
    mu_.Unlock();
    return absl::OkStatus();
  }
  elect_ = false;
  leading_ = true;
  mu_.Unlock();

  if (callbacks.on_new_leader) callbacks.on_new_leader(identity_);
  if (callbacks.on_started_leading) callbacks.on_started_leading();

  mu_.Lock();
  mu_.Await(absl::Condition(this, &FakeLeaderElector::LostOrStopped));
  const bool lost = lose_ && !stop_seen_;
  lose_ = false;
  leading_ = false;
  released_ = released_ || !lost;
  mu_.Unlock();

  if (callbacks.on_stopped_leading) callbacks.on_stopped_leading();
  absl::MutexLock lock(&mu_);
  running_ = false;
  return lost ? absl::AbortedError("leader election lost (fake)") : absl::OkStatus();
}

bool FakeLeaderElector::IsLeader() const {
  absl::MutexLock lock(&mu_);
  return leading_;
}

std::string FakeLeaderElector::Leader() const {
  absl::MutexLock lock(&mu_);
  return leading_ ? identity_ : "";
}

void FakeLeaderElector::Elect() {
  absl::MutexLock lock(&mu_);
  elect_ = true;
}

void FakeLeaderElector::LoseLeadership() {
  absl::MutexLock lock(&mu_);
  lose_ = true;
}

bool FakeLeaderElector::WaitUntilRunning(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&running_), timeout);
}

bool FakeLeaderElector::released() const {
  absl::MutexLock lock(&mu_);
  return released_;
}

int FakeLeaderElector::runs() const {
  absl::MutexLock lock(&mu_);
  return runs_;
}

}  // namespace flyover::kube
