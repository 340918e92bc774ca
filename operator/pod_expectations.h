// PodExpectations: the pods a reconciler has created or deleted that its informer cache may
// not show yet (client-go's ControllerExpectations, by pod rather than by count). Reading
// pods from a cache (cached_cluster_view.h), a reconcile that ran before the watch events of
// its own writes arrived would otherwise create the same pods again, fault a pod it has just
// created as missing, or delete a pod twice. While a job has expectations pending, the
// reconciler does not act on its pods; the watch events that satisfy them enqueue it again.
//
// An expectation is satisfied when the cache shows the write: a created pod present (or
// already gone again), a deleted pod absent, or, for a graceful deletion, carrying a
// deletionTimestamp. One that is not satisfied within `ttl` is dropped (a lost watch event
// must not stall a job for good). Expecting a pod that already exists (AlreadyExists on
// create, a takeover after a failover) is fine: the cache shows it, or soon will.
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_OPERATOR_POD_EXPECTATIONS_H_
#define FLYOVER_OPERATOR_POD_EXPECTATIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "kube/cache/event_handler.h"
#include "kube/cache/packed_json.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

// What the expectations read of a pod: "<namespace>/<name>", uid, deletionTimestamp set.
struct PodMark {
  std::string key;
  std::string uid;
  bool being_deleted = false;
};
[[nodiscard]] PodMark PodMarkOf(const nlohmann::json& pod);
[[nodiscard]] PodMark PodMarkOf(kube::JsonView pod);  // a cached pod, without a copy

class PodExpectations {
 public:
  explicit PodExpectations(absl::Duration ttl = absl::Seconds(30)) : ttl_(ttl) {}

  // `job_id` created (or found already existing) the pods "<namespace>/<name>" of `keys`.
  void ExpectCreations(const std::string& job_id, const std::vector<std::string>& keys,
                       absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // `job_id` deleted the pods of `uids`; `until_gone` (a deletion with grace period 0) waits
  // for the pod to leave the cache, otherwise a deletionTimestamp is enough.
  void ExpectDeletions(const std::string& job_id, const std::vector<std::string>& uids,
                       bool until_gone, absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);

  // The informer's notifications (see Handler()).
  void ObserveAdd(const PodMark& pod) ABSL_LOCKS_EXCLUDED(mu_);
  void ObserveUpdate(const PodMark& pod) ABSL_LOCKS_EXCLUDED(mu_);
  void ObserveDelete(const PodMark& pod) ABSL_LOCKS_EXCLUDED(mu_);

  // Whether `job_id` has no expectation left once those `pods` (the job's pods as the cache
  // lists them) satisfy and those older than the ttl at `now` are dropped.
  [[nodiscard]] bool Satisfied(const std::string& job_id, const std::vector<nlohmann::json>& pods,
                               absl::Time now) ABSL_LOCKS_EXCLUDED(mu_);
  // Drops every expectation of `job_id`.
  void Forget(const std::string& job_id) ABSL_LOCKS_EXCLUDED(mu_);

  // An informer handler feeding ObserveAdd/Update/Delete. Borrows this.
  [[nodiscard]] std::shared_ptr<kube::ResourceEventHandler> Handler();

 private:
  struct Creation {
    std::string job_id;
    absl::Time since;
  };
  struct Deletion {
    std::string job_id;
    absl::Time since;
    bool until_gone = false;
  };

  const absl::Duration ttl_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Creation> creations_ ABSL_GUARDED_BY(mu_);  // by pod key
  absl::flat_hash_map<std::string, Deletion> deletions_ ABSL_GUARDED_BY(mu_);  // by pod uid
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_POD_EXPECTATIONS_H_
