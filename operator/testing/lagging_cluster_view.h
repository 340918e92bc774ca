// LaggingClusterView: a ClusterView (cluster_view.h) for unit tests that can show a job's
// pods as they were at some moment, the way an informer cache lags the API server by its
// watch events in flight. Live (the default) it passes every read through to `inner`.
//
//   LaggingClusterView view(&api_view);
//   view.Freeze(api_pods);   // JobPods now answers these pods, whatever the server holds
//   view.Thaw();             // back to `inner`
//
// Nodes and Leases always come from `inner`. Thread-compatible; borrows `inner`.
#ifndef FLYOVER_OPERATOR_TESTING_LAGGING_CLUSTER_VIEW_H_
#define FLYOVER_OPERATOR_TESTING_LAGGING_CLUSTER_VIEW_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "operator/cluster_view.h"

namespace flyover::op::testing {

class LaggingClusterView final : public ClusterView {
 public:
  explicit LaggingClusterView(ClusterView* inner) : inner_(inner) {}

  // JobPods answers `pods` (for any job) until Thaw().
  void Freeze(std::vector<nlohmann::json> pods) { frozen_ = std::move(pods); }
  void Thaw() { frozen_.reset(); }

  absl::StatusOr<std::vector<nlohmann::json>> JobPods(const kube::PostTrainingJob& job) override {
    if (frozen_.has_value()) return *frozen_;
    return inner_->JobPods(job);
  }
  absl::StatusOr<std::map<std::string, nlohmann::json>> Nodes(
      const std::set<std::string>& names) override {
    return inner_->Nodes(names);
  }
  absl::StatusOr<std::map<std::string, nlohmann::json>> NodeLeases(
      const std::set<std::string>& names) override {
    return inner_->NodeLeases(names);
  }

 private:
  ClusterView* const inner_;
  std::optional<std::vector<nlohmann::json>> frozen_;
};

}  // namespace flyover::op::testing

#endif  // FLYOVER_OPERATOR_TESTING_LAGGING_CLUSTER_VIEW_H_
