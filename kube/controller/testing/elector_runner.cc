#include "kube/controller/testing/elector_runner.h"

namespace flyover::kube {

ElectorRunner::ElectorRunner(LeaderElector* elector) {
  thread_ = std::thread([this, elector] {
    LeaderCallbacks callbacks{
        .on_started_leading =
            [this] {
              absl::MutexLock lock(&mu_);
              started_leading_ = true;
            },
        .on_stopped_leading =
            [this] {
              absl::MutexLock lock(&mu_);
              stopped_leading_ = true;
            },
        .on_new_leader =
            [this](const std::string& identity) {
              absl::MutexLock lock(&mu_);
              leaders_.push_back(identity);
            },
    };
    absl::Status result = elector->Run(&stop_, callbacks);
    absl::MutexLock lock(&mu_);
    result_ = std::move(result);
    finished_ = true;
  });
}

ElectorRunner::~ElectorRunner() { Stop(); }

bool ElectorRunner::WaitStartedLeading(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&started_leading_), timeout);
}

bool ElectorRunner::WaitFinished(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&finished_), timeout);
}

void ElectorRunner::Stop() {
  absl::MutexLock join(&join_mu_);
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
}

bool ElectorRunner::started_leading() const {
  absl::MutexLock lock(&mu_);
  return started_leading_;
}

bool ElectorRunner::stopped_leading() const {
  absl::MutexLock lock(&mu_);
  return stopped_leading_;
}

bool ElectorRunner::finished() const {
  absl::MutexLock lock(&mu_);
  return finished_;
}

absl::Status ElectorRunner::result() const {
  absl::MutexLock lock(&mu_);
  return result_;
}

std::vector<std::string> ElectorRunner::leaders_observed() const {
  absl::MutexLock lock(&mu_);
  return leaders_;
}

}  // namespace flyover::kube
