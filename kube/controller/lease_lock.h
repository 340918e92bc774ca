// LeaseLock: the seam between leader election and the object that holds the lock, after
// client-go's resourcelock.Interface. LeaderElectionRecord is what the lock stores;
// RestLeaseLock keeps it in a coordination.k8s.io/v1 Lease through the REST client, and
// FakeLeaseLock (testing/fake_lease_lock.h) keeps it in memory.
//
// Optimistic concurrency: Get() remembers the version of the object it read; Update()
// writes conditionally on that version, so a write based on a stale read fails with a
// conflict (Aborted, as api_status.h maps a 409) and the caller knows someone else wrote.
//
// Errors: Get() is NotFound when the lock object does not exist; Create() is
// AlreadyExists when another candidate created it first; Update() is Aborted on a
// conflict and FailedPrecondition when no Get() or Create() has succeeded yet; anything
// else is the transport's or server's error.
//
// Thread-safety: a LeaseLock is used by the one elector thread that owns it
// (thread-compatible); the record helpers are pure functions.
#ifndef FLYOVER_KUBE_CONTROLLER_LEASE_LOCK_H_
#define FLYOVER_KUBE_CONTROLLER_LEASE_LOCK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// The leader-election state, as a Lease's spec carries it.
struct LeaderElectionRecord {
  std::string holder_identity;     // "" when nobody holds the lock
  int64_t lease_duration_seconds = 0;
  std::optional<absl::Time> acquire_time;
  std::optional<absl::Time> renew_time;
  int64_t leader_transitions = 0;

  bool operator==(const LeaderElectionRecord&) const = default;
};

// A Lease's spec from a record. Times are metav1.MicroTime: RFC 3339 with six fractional
// digits, in UTC.
[[nodiscard]] nlohmann::json LeaseSpecFromRecord(const LeaderElectionRecord& record);
// The record in a Lease object. Missing fields read as empty; InvalidArgument naming the
// field when one has the wrong type or a time does not parse.
[[nodiscard]] absl::StatusOr<LeaderElectionRecord> RecordFromLease(const nlohmann::json& lease);
// "2026-01-01T00:00:00.000000Z".
[[nodiscard]] std::string FormatMicroTime(absl::Time time);
// `time` truncated to whole microseconds, the precision a Lease stores.
[[nodiscard]] absl::Time TruncateToMicros(absl::Time time);

class LeaseLock {
 public:
  virtual ~LeaseLock() = default;

  [[nodiscard]] virtual absl::StatusOr<LeaderElectionRecord> Get() = 0;
  [[nodiscard]] virtual absl::Status Create(const LeaderElectionRecord& record) = 0;
  [[nodiscard]] virtual absl::Status Update(const LeaderElectionRecord& record) = 0;
  // "<namespace>/<name>", for logs and errors.
  [[nodiscard]] virtual std::string Describe() const = 0;
};

// A LeaseLock on the Lease `namespace_`/`name`. Borrows `client`, which must outlive it.
class RestLeaseLock final : public LeaseLock {
 public:
  RestLeaseLock(RestClient* client, std::string namespace_, std::string name);

  absl::StatusOr<LeaderElectionRecord> Get() override;
  absl::Status Create(const LeaderElectionRecord& record) override;
  absl::Status Update(const LeaderElectionRecord& record) override;
  std::string Describe() const override;

 private:
  nlohmann::json NewLease(const LeaderElectionRecord& record) const;

  RestClient* const client_;
  const std::string namespace_;
  const std::string name_;
  // The Lease as last read or written; Update() replaces its spec and keeps its version.
  std::optional<nlohmann::json> lease_;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CONTROLLER_LEASE_LOCK_H_
