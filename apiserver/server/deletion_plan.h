// What a DELETE does to an object, decided from the object alone (ObjectService::Delete
// carries the decision out against the store). It follows kube-apiserver's rest.BeforeDelete
// with the pod strategy's CheckGracefulDelete:
//
// Graceful pod deletion. A pod that is bound (spec.nodeName set) and not terminal
// (status.phase neither Succeeded nor Failed) is not removed: it gets
// metadata.deletionTimestamp = now + grace and metadata.deletionGracePeriodSeconds = grace,
// and stays until its kubelet (or a forced delete) sends a DELETE with grace 0. The grace is
// the DeleteOptions' gracePeriodSeconds (negative means 1), else the pod's
// spec.terminationGracePeriodSeconds, else 30. Unbound or terminal pods, a grace of 0, and
// every other resource go at once. While a grace period runs, a second DELETE may only
// shorten it (deletionTimestamp moves earlier by the difference); a longer or absent grace
// changes nothing.
//
// Finalizers. An object with finalizers (or with finalizers the deletion adds: the
// propagation policy's "orphan"/"foregroundDeletion", the CRD cleanup) is marked instead
// (deletionTimestamp, deletionGracePeriodSeconds 0 unless a grace period runs) and stays
// until the last finalizer is gone. A namespace being marked turns Terminating.
//
// Thread-safety: free functions.
#ifndef FLYOVER_APISERVER_SERVER_DELETION_PLAN_H_
#define FLYOVER_APISERVER_SERVER_DELETION_PLAN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "apiserver/discovery/resource_registry.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {

inline constexpr int64_t kDefaultTerminationGracePeriodSeconds = 30;

enum class DeletionStep {
  kKeep,    // nothing to write: the deletion is already under way
  kMark,    // store `DeletionPlan::object` (deletion fields, finalizers) and keep the object
  kRemove,  // remove the object now
};

struct DeletionPlan {
  DeletionStep step = DeletionStep::kKeep;
  nlohmann::json object;  // for kMark: the object to store
};

// The grace period a DELETE asking for `requested` gives `object`, which is not being
// deleted yet: 0 for every resource but pods, and for unbound or terminal pods.
int64_t GracePeriodFor(const discovery::ResourceInfo& resource, const nlohmann::json& object,
                       std::optional<int64_t> requested);

// metadata.deletionGracePeriodSeconds, 0 when absent or not an integer.
int64_t DeletionGracePeriod(const nlohmann::json& object);

// Whether an object being deleted waits for a grace period to be cut to 0 (by its kubelet)
// before it may be removed, finalizers or not.
bool AwaitsGracefulTermination(const nlohmann::json& object);

// Whether an object being deleted may be removed now: no finalizers (ReadyToRemove) and no
// grace period running. Updates and finalizer removals remove such objects.
bool DeletionComplete(const discovery::ResourceInfo& resource, const nlohmann::json& object);

// Decides what a DELETE of `current` does. `add_finalizers` are those the deletion adds
// (absent from `current`); `requested_grace` is DeleteOptions.gracePeriodSeconds.
DeletionPlan PlanDeletion(const discovery::ResourceInfo& resource, const nlohmann::json& current,
                          const std::vector<std::string>& add_finalizers,
                          std::optional<int64_t> requested_grace, absl::Time now);

}  // namespace flyover::apiserver

#endif  // FLYOVER_APISERVER_SERVER_DELETION_PLAN_H_
