// FakeLeaseLock: a LeaseLock over an in-memory FakeLeaseStore, for unit tests of leader
// election without an API server. Several locks on one store behave like several
// candidates reading and writing the same Lease: every write bumps the store's version,
// and an Update() based on an older version fails with Aborted (a 409 conflict).
//
//   auto store = std::make_shared<FakeLeaseStore>();
//   auto a = LeaseLeaderElector::Create(std::make_unique<FakeLeaseLock>(store), {...});
//   store->FailCalls(absl::UnavailableError("apiserver down"));   // renewals now fail
//
// Thread-safety: FakeLeaseStore is thread-safe; each FakeLeaseLock is used by one thread
// (as LeaseLock requires).
#ifndef FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_LEASE_LOCK_H_
#define FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_LEASE_LOCK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "kube/controller/lease_lock.h"

namespace flyover::kube {

class FakeLeaseStore {
 public:
  // The stored record; nullopt when the lease does not exist.
  [[nodiscard]] std::optional<LeaderElectionRecord> record() const ABSL_LOCKS_EXCLUDED(mu_);
  // Bumped by every write; 0 while the lease has never existed.
  [[nodiscard]] int64_t version() const ABSL_LOCKS_EXCLUDED(mu_);
  // Writes as another client would (creating the lease if needed).
  void Set(const LeaderElectionRecord& record) ABSL_LOCKS_EXCLUDED(mu_);
  void Delete() ABSL_LOCKS_EXCLUDED(mu_);
  // The next `times` calls through any lock fail with `error`; a negative `times` fails
  // every call until ClearFailures().
  void FailCalls(absl::Status error, int times = -1) ABSL_LOCKS_EXCLUDED(mu_);
  void ClearFailures() ABSL_LOCKS_EXCLUDED(mu_);
  // Calls made through any lock: Get, Create and Update.
  [[nodiscard]] int calls() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] int updates() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class FakeLeaseLock;

  // Counts the call; the injected error, if one is due.
  absl::Status Enter() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::optional<LeaderElectionRecord> record_ ABSL_GUARDED_BY(mu_);
  int64_t version_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  int failures_left_ ABSL_GUARDED_BY(mu_) = 0;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  int updates_ ABSL_GUARDED_BY(mu_) = 0;
};

class FakeLeaseLock final : public LeaseLock {
 public:
  explicit FakeLeaseLock(std::shared_ptr<FakeLeaseStore> store,
                         std::string description = "default/fake-lease");

  absl::StatusOr<LeaderElectionRecord> Get() override;
  absl::Status Create(const LeaderElectionRecord& record) override;
  absl::Status Update(const LeaderElectionRecord& record) override;
  std::string Describe() const override { return description_; }

 private:
  const std::shared_ptr<FakeLeaseStore> store_;
  const std::string description_;
  std::optional<int64_t> seen_version_;  // from the last successful call
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_TESTING_FAKE_LEASE_LOCK_H_
