#include "worker/comm/rendezvous_table.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

absl::Status Superseded(const RendezvousScope& scope, int64_t newest) {
  return absl::AbortedError(absl::StrCat("rendezvous generation ", scope.generation, " of job ",
                                         scope.job, " was superseded by generation ", newest));
}

}  // namespace

absl::StatusOr<RendezvousTable::Job*> RendezvousTable::Enter(const RendezvousScope& scope,
                                                             absl::string_view key) {
  RETURN_IF_ERROR(ValidateScope(scope));
  RETURN_IF_ERROR(ValidateRendezvousKey(key));
  if (shutdown_) return absl::UnavailableError("rendezvous table is shutting down");
  Job& job = jobs_[scope.job];
  if (scope.generation < job.generation) return Superseded(scope, job.generation);
  if (scope.generation > job.generation) {
    job.generation = scope.generation;
    job.values.clear();  // the older generation's keys are never seen again
  }
  return &job;
}

absl::Status RendezvousTable::Set(const RendezvousScope& scope, absl::string_view key,
                                  absl::string_view value) {
  RETURN_IF_ERROR(ValidateRendezvousValue(value));
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Job * job, Enter(scope, key));
  job->values.insert_or_assign(std::string(key), std::string(value));
  return absl::OkStatus();
}

absl::StatusOr<std::string> RendezvousTable::Get(const RendezvousScope& scope,
                                                 absl::string_view key) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(Job * job, Enter(scope, key));
  auto it = job->values.find(key);
  if (it == job->values.end()) {
    return absl::NotFoundError(
        absl::StrCat("rendezvous key ", scope.KeyPrefix(), key, " is not set"));
  }
  return it->second;
}

absl::StatusOr<std::string> RendezvousTable::WaitAndGet(const RendezvousScope& scope,
                                                        absl::string_view key,
                                                        absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(Enter(scope, key).status());
  // Looked up afresh on every evaluation: DeleteJob() or a rehash may move the entry.
  auto settled = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shutdown_) return true;
    auto it = jobs_.find(scope.job);
    if (it == jobs_.end()) return true;
    const Job& job = it->second;
    return job.generation != scope.generation || job.values.contains(key);
  };
  clock_->AwaitWithDeadline(&mu_, absl::Condition(&settled), deadline);
  if (shutdown_) return absl::UnavailableError("rendezvous table is shutting down");
  auto it = jobs_.find(scope.job);
  if (it == jobs_.end()) {
    return absl::AbortedError(absl::StrCat("rendezvous job ", scope.job, " was deleted"));
  }
  const Job& job = it->second;
  if (job.generation != scope.generation) return Superseded(scope, job.generation);
  auto value = job.values.find(key);
  if (value == job.values.end()) {
    return absl::NotFoundError(
        absl::StrCat("rendezvous key ", scope.KeyPrefix(), key, " is not set"));
  }
  return value->second;
}

void RendezvousTable::DeleteJob(absl::string_view job) {
  absl::MutexLock lock(&mu_);
  jobs_.erase(job);
}

int64_t RendezvousTable::NewestGeneration(absl::string_view job) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  return it == jobs_.end() ? -1 : it->second.generation;
}

size_t RendezvousTable::KeyCount(absl::string_view job) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  return it == jobs_.end() ? 0 : it->second.values.size();
}

void RendezvousTable::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

}  // namespace flyover::worker
