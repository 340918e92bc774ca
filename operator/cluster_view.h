// ClusterView: what the PostTrainingJob reconciler reads about a job's pods, and about the
// nodes (and their Leases in kube-node-lease) those pods run on.
//
// Two implementations:
//   ApiClusterView     reads the API server on every call (one LIST of the job's pods; nodes
//                      and Leases one GET each for a few names, one LIST for more). Always
//                      current; the reconciler's unit tests run on it over a fake client.
//   CachedClusterView  (cached_cluster_view.h) reads informer caches: no request at all, but
//                      may lag the API server by a watch event. The reconciler pairs it with
//                      PodExpectations (pod_expectations.h) so that a pod it has just
//                      created or deleted is not mistaken for missing or still there.
//
// Errors: Unavailable when the view cannot answer yet (a cache not synced); the API's error
// otherwise. Thread-safety: implementations are safe to call from many threads at once.
#ifndef FLYOVER_OPERATOR_CLUSTER_VIEW_H_
#define FLYOVER_OPERATOR_CLUSTER_VIEW_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kube/api/post_training_job.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

inline constexpr char kNodeLeaseNamespace[] = "kube-node-lease";

class ClusterView {
 public:
  virtual ~ClusterView() = default;

  // Every pod of `job` (any generation): labelled with the job's name and controlled by its
  // uid.
  [[nodiscard]] virtual absl::StatusOr<std::vector<nlohmann::json>> JobPods(
      const kube::PostTrainingJob& job) = 0;
  // The nodes of `names` that exist, by name.
  [[nodiscard]] virtual absl::StatusOr<std::map<std::string, nlohmann::json>> Nodes(
      const std::set<std::string>& names) = 0;
  // The Leases (kube-node-lease) of the nodes of `names` that have one, by node name.
  [[nodiscard]] virtual absl::StatusOr<std::map<std::string, nlohmann::json>> NodeLeases(
      const std::set<std::string>& names) = 0;
};

class ApiClusterView final : public ClusterView {
 public:
  // Borrows `client`.
  explicit ApiClusterView(kube::RestClient* client) : client_(client) {}

  absl::StatusOr<std::vector<nlohmann::json>> JobPods(const kube::PostTrainingJob& job) override;
  absl::StatusOr<std::map<std::string, nlohmann::json>> Nodes(
      const std::set<std::string>& names) override;
  absl::StatusOr<std::map<std::string, nlohmann::json>> NodeLeases(
      const std::set<std::string>& names) override;

 private:
  kube::RestClient* const client_;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_CLUSTER_VIEW_H_
