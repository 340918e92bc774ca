#include "kube/controller/testing/fake_lease_lock.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::kube {

std::optional<LeaderElectionRecord> FakeLeaseStore::record() const {
  absl::MutexLock lock(&mu_);
  return record_;
}

int64_t FakeLeaseStore::version() const {
  absl::MutexLock lock(&mu_);
  return version_;
}

void FakeLeaseStore::Set(const LeaderElectionRecord& record) {
  absl::MutexLock lock(&mu_);
  record_ = record;
  ++version_;
}

void FakeLeaseStore::Delete() {
  absl::MutexLock lock(&mu_);
  record_.reset();
  ++version_;
}

void FakeLeaseStore::FailCalls(absl::Status error, int times) {
  absl::MutexLock lock(&mu_);
  failure_ = std::move(error);
  failures_left_ = times;
}

void FakeLeaseStore::ClearFailures() { FailCalls(absl::OkStatus(), 0); }

int FakeLeaseStore::calls() const {
  absl::MutexLock lock(&mu_);
  return calls_;
}

int FakeLeaseStore::updates() const {
  absl::MutexLock lock(&mu_);
  return updates_;
}

absl::Status FakeLeaseStore::Enter() {
  ++calls_;
  if (failures_left_ == 0 || failure_.ok()) return absl::OkStatus();
  if (failures_left_ > 0) --failures_left_;
  return failure_;
}

FakeLeaseLock::FakeLeaseLock(std::shared_ptr<FakeLeaseStore> store, std::string description)
    : store_(std::move(store)), description_(std::move(description)) {}

absl::StatusOr<LeaderElectionRecord> FakeLeaseLock::Get() {
  absl::MutexLock lock(&store_->mu_);
  RETURN_IF_ERROR(store_->Enter());
  if (!store_->record_.has_value()) {
    return absl::NotFoundError(absl::StrCat("lease ", description_, " not found"));
  }
  seen_version_ = store_->version_;
  return *store_->record_;
}

absl::Status FakeLeaseLock::Create(const LeaderElectionRecord& record) {
  absl::MutexLock lock(&store_->mu_);
  RETURN_IF_ERROR(store_->Enter());
  if (store_->record_.has_value()) {
    return absl::AlreadyExistsError(absl::StrCat("lease ", description_, " already exists"));
  }
  store_->record_ = record;
  seen_version_ = ++store_->version_;
  return absl::OkStatus();
}

absl::Status FakeLeaseLock::Update(const LeaderElectionRecord& record) {
  absl::MutexLock lock(&store_->mu_);
  RETURN_IF_ERROR(store_->Enter());
  if (!seen_version_.has_value()) {
    return absl::FailedPreconditionError("update before the lease was read or created");
  }
  if (!store_->record_.has_value()) {
    return absl::NotFoundError(absl::StrCat("lease ", description_, " not found"));
  }
  if (*seen_version_ != store_->version_) {
    return absl::AbortedError(absl::StrCat("lease ", description_,
                                           ": the object has been modified"));
  }
  store_->record_ = record;
  ++store_->updates_;
  seen_version_ = ++store_->version_;
  return absl::OkStatus();
}

}  // namespace flyover::kube
