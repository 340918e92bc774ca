#include "operator/cluster_view.h"

#include <utility>

#include "common/status.h"
#include "kube/client/resource.h"
#include "operator/job_resources.h"

namespace flyover::op {
namespace {

// More names than this are read with one LIST instead of a GET each: a 1,024-pod job's
// reconcile would otherwise spend 2,048 requests of the client's rate limit.
constexpr size_t kMaxGets = 8;

// The objects of `names` in `ns` that exist, by name.
absl::StatusOr<std::map<std::string, nlohmann::json>> ReadNamed(
    kube::RestClient* client, const kube::ResourceDescriptor& resource, const std::string& ns,
    const std::set<std::string>& names) {
  std::map<std::string, nlohmann::json> found;
  if (names.size() <= kMaxGets) {
    for (const std::string& name : names) {
      absl::StatusOr<nlohmann::json> object = client->Get(resource, ns, name);
      if (absl::IsNotFound(object.status())) continue;
      RETURN_IF_ERROR(object.status());
      found[name] = *std::move(object);
    }
    return found;
  }
  ASSIGN_OR_RETURN(kube::ObjectList list, client->List(resource, ns));
  for (nlohmann::json& object : list.items) {
    std::string name = object["metadata"].value("name", "");
    if (names.contains(name)) found[std::move(name)] = std::move(object);
  }
  return found;
}

}  // namespace

absl::StatusOr<std::vector<nlohmann::json>> ApiClusterView::JobPods(
    const kube::PostTrainingJob& job) {
  ASSIGN_OR_RETURN(kube::ObjectList list,
                   client_->List(kube::PodsResource(), job.metadata.namespace_,
                                 {.label_selector = JobPodSelector(job.metadata.name)}));
  std::vector<nlohmann::json> owned;
  for (nlohmann::json& pod : list.items) {
    if (IsOwnedBy(pod, job.metadata.uid)) owned.push_back(std::move(pod));
  }
  return owned;
}

absl::StatusOr<std::map<std::string, nlohmann::json>> ApiClusterView::Nodes(
    const std::set<std::string>& names) {
  return ReadNamed(client_, kube::NodesResource(), "", names);
}

absl::StatusOr<std::map<std::string, nlohmann::json>> ApiClusterView::NodeLeases(
    const std::set<std::string>& names) {
  return ReadNamed(client_, kube::LeasesResource(), kNodeLeaseNamespace, names);
}

}  // namespace flyover::op
