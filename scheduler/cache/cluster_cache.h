// ClusterCache: the scheduler's view of the cluster, fed by informers (Nodes, Pods, the device
// plugin's fault reports) and by the scheduler's own decisions, kept as the core's
// ClusterSnapshot (scheduler/framework/cluster_snapshot.h). Snapshot() hands a scheduling
// cycle a cheap copy-on-write copy.
//
// Assumed pods. Between choosing a placement and seeing the pod bound in the watch, the
// informer still shows the pod unbound; without accounting the next cycle would hand the same
// dies out again. AssumePod() books the pod's dies at once (refusing dies already held, so a
// die is never double-booked); the booking lasts until the bound pod is observed (it then
// becomes an ordinary bound pod), ForgetPod() drops it (the bind failed), or, once
// FinishBinding() has been called, `assume_ttl` passes without the binding being seen
// (CleanupExpired(), as kube-scheduler's cache does).
//
// Dies a bound pod holds: its huawei.com/Ascend910 annotation; a bound pod that asks for NPUs
// but carries no annotation (bound by another scheduler) is charged the dies ChooseDies picks
// from what is free, so the count is right even if the ids are a guess. Pods seen bound to a
// node the cache does not know yet are kept and placed when the node appears.
//
// Device health: a node's healthy dies are its advertised dies minus the
// huawei.com/Ascend910-Unhealthy and -NetworkUnhealthy dies of its device-info ConfigMap.
//
// generation() increases with every change that can make an unschedulable gang schedulable or
// the reverse; the queue uses it to retry gangs on cluster change.
//
// Thread-safety: all methods are thread-safe. The clock is borrowed and must outlive the cache.
#ifndef FLYOVER_SCHEDULER_CACHE_CLUSTER_CACHE_H_
#define FLYOVER_SCHEDULER_CACHE_CLUSTER_CACHE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/topology.h"
#include "scheduler/cache/pod_info.h"
#include "scheduler/framework/cluster_snapshot.h"

namespace flyover::sched {

struct ClusterCacheOptions {
  Clock* clock = RealClock();
  // How long an assumed pod whose binding finished waits to be seen bound before it expires.
  absl::Duration assume_ttl = absl::Seconds(30);
};

class ClusterCache {
 public:
  explicit ClusterCache(ClusterCacheOptions options = {});
  ClusterCache(const ClusterCache&) = delete;
  ClusterCache& operator=(const ClusterCache&) = delete;

  // ---- informer feed ----
  void UpsertNode(NodeInfo node) ABSL_LOCKS_EXCLUDED(mu_);
  void DeleteNode(const std::string& name) ABSL_LOCKS_EXCLUDED(mu_);
  void UpsertPod(const PodInfo& pod) ABSL_LOCKS_EXCLUDED(mu_);
  void DeletePod(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);
  void SetUnhealthyDies(const std::string& node, topology::DieSet dies) ABSL_LOCKS_EXCLUDED(mu_);

  // ---- the scheduler's decisions ----
  // Books `pod` (assumed = true is implied). AlreadyExists if the pod is already assumed or
  // bound; otherwise as ClusterSnapshot::Assume: NotFound for an unknown node,
  // FailedPrecondition if a die is not the node's or is held by another pod.
  [[nodiscard]] absl::Status AssumePod(PlacedPod pod) ABSL_LOCKS_EXCLUDED(mu_);
  // The bind call returned OK: start the assume_ttl countdown.
  void FinishBinding(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);
  // Drops an assumed pod (bind failed or was abandoned). No-op for a bound or unknown pod.
  void ForgetPod(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_);
  // Forgets assumed pods whose binding finished more than assume_ttl ago; returns how many.
  int CleanupExpired() ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] bool IsAssumed(const std::string& key) const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the pod holds dies in this cache (bound or assumed).
  [[nodiscard]] bool IsPlaced(const std::string& key) const ABSL_LOCKS_EXCLUDED(mu_);

  // ---- reads ----
  // Pods of gang "<namespace>/<gang>" that hold dies (bound or assumed).
  [[nodiscard]] int PlacedInGang(const std::string& gang_key) const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] ClusterSnapshot Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);
  [[nodiscard]] uint64_t generation() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Assumption {
    bool binding_finished = false;
    absl::Time deadline = absl::InfiniteFuture();
  };

  void PlaceBound(const PlacedPod& pod) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Remove(const std::string& key) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyHealth(NodeInfo* node) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ClusterCacheOptions options_;
  mutable absl::Mutex mu_;
  ClusterSnapshot snapshot_ ABSL_GUARDED_BY(mu_);
  // Dies each node advertises (before health) and those its device plugin reports out.
  std::map<std::string, topology::DieSet> advertised_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, topology::DieSet> unhealthy_ ABSL_GUARDED_BY(mu_);
  // Every bound pod by key, also those on nodes not (or no longer) in the snapshot.
  std::map<std::string, PlacedPod> bound_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Assumption> assumed_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_CACHE_CLUSTER_CACHE_H_
