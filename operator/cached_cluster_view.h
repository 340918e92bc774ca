// CachedClusterView: the ClusterView (cluster_view.h) over informer caches — the operator's
// pods informer (indexed by controller uid: see PodIndexers()), a nodes informer and a Leases
// informer on kube-node-lease. A reconcile of a 1,024-pod job then costs no request to read
// its pods and their nodes, instead of a LIST of megabytes every time.
//
// Staleness: a cache lags the API server by the watch events in flight. Pods the reconciler
// has just created or deleted are covered by PodExpectations (pod_expectations.h). A node
// missing from the cache is read from the API (a node the scheduler bound a pod to moments
// after it registered), so a lagging cache never reports a live node as gone.
//
// Errors: Unavailable until all three informers have synced (a freshly elected leader must
// not judge nodes from an empty cache). Thread-safety: safe from many threads; borrows the
// informers and the client, which must outlive it.
#ifndef FLYOVER_OPERATOR_CACHED_CLUSTER_VIEW_H_
#define FLYOVER_OPERATOR_CACHED_CLUSTER_VIEW_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "kube/cache/shared_informer.h"
#include "kube/cache/store.h"
#include "kube/client/rest_client.h"
#include "operator/cluster_view.h"

namespace flyover::op {

// The indexes the pods informer needs (add them before it starts): by controller uid, and
// by node name (kPodNodeIndex).
kube::Indexers PodIndexers();
inline constexpr char kPodNodeIndex[] = "spec.nodeName";

// A nodes-informer handler: when a node stops being Ready, or is deleted, `enqueue` is
// called with the key of every PostTrainingJob that has a pod on it (from `pods`, indexed
// by PodIndexers()), so that the loss is judged at once instead of at the job's next
// periodic resync. Borrows `pods`.
std::shared_ptr<kube::ResourceEventHandler> NodeLostHandler(
    const kube::SharedInformer* pods, std::function<void(const std::string& key)> enqueue);

class CachedClusterView final : public ClusterView {
 public:
  CachedClusterView(const kube::SharedInformer* pods, const kube::SharedInformer* nodes,
                    const kube::SharedInformer* leases, kube::RestClient* client)
      : pods_(pods), nodes_(nodes), leases_(leases), api_(client) {}

  absl::StatusOr<std::vector<nlohmann::json>> JobPods(const kube::PostTrainingJob& job) override;
  absl::StatusOr<std::map<std::string, nlohmann::json>> Nodes(
      const std::set<std::string>& names) override;
  absl::StatusOr<std::map<std::string, nlohmann::json>> NodeLeases(
      const std::set<std::string>& names) override;

 private:
  absl::Status CheckSynced() const;

  const kube::SharedInformer* const pods_;
  const kube::SharedInformer* const nodes_;
  const kube::SharedInformer* const leases_;
  ApiClusterView api_;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_CACHED_CLUSTER_VIEW_H_
