// JobReconciler's pod observation: the serving pods' placement and faults, and the rank
// table, built once every serving pod is bound (pod sync: job_reconciler_sync.cc).
//
// Nodes (and their Leases in kube-node-lease) come from the cluster view (cluster_view.h). A
// node is lost (NodeNotReady) when it is gone, its Ready condition is not True, or its Lease
// has expired (renewTime + leaseDurationSeconds has passed: the kubelet, or nodesim, stopped
// renewing it). A node without a Lease is judged by its condition alone.
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "operator/job_reconciler.h"
#include "operator/job_reconciler_run.h"
#include "operator/rank_table.h"
#include "operator/silent_node_faults.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

bool IsBound(const nlohmann::json& pod) {
  const nlohmann::json annotations = pod["metadata"].value("annotations", nlohmann::json::object());
  return !pod.value("spec", nlohmann::json::object()).value("nodeName", "").empty() &&
         annotations.is_object() && !annotations.value("huawei.com/Ascend910", "").empty();
}

bool NodeReady(const nlohmann::json& node) {
  const nlohmann::json conditions =
      node.value("status", nlohmann::json::object()).value("conditions", nlohmann::json::array());
  for (const nlohmann::json& condition : conditions) {
    if (condition.value("type", "") == "Ready") return condition.value("status", "") == "True";
  }
  return false;
}

std::set<std::string> NodesOf(const std::vector<nlohmann::json>& pods) {
  std::set<std::string> nodes;
  for (const nlohmann::json& pod : pods) nodes.insert(pod["spec"].value("nodeName", ""));
  return nodes;
}

// Why `node` (with its Lease, when it has one) counts as lost at `now`; "" when it does not.
std::string NodeLostReason(const std::string& name, const nlohmann::json* node,
                           const nlohmann::json* lease, absl::Time now) {
  if (node == nullptr) return absl::StrCat("node ", name, " no longer exists");
  if (!NodeReady(*node)) return absl::StrCat("node ", name, " is not Ready");
  if (lease == nullptr) return "";
  const std::optional<LeaseRenewal> renewal = LeaseRenewalOf(*lease);
  if (!renewal.has_value() ||
      renewal->renew_time + absl::Seconds(renewal->duration_seconds) >= now) {
    return "";
  }
  return absl::StrCat("node ", name, " stopped renewing its Lease: last renewed ",
                      renewal->renewed, ", leaseDurationSeconds ", renewal->duration_seconds);
}

kube::FaultRecord PodFault(const char* fault_class, const nlohmann::json& pod, std::string message,
                           absl::Time now) {
  kube::FaultRecord fault;
  fault.fault_class = fault_class;
  fault.pod = pod["metadata"].value("name", "");
  fault.node = pod.value("spec", nlohmann::json::object()).value("nodeName", "");
  fault.message = std::move(message);
  fault.detected_at = now;
  return fault;
}

// A NodeNotReady fault for each of `bound`'s pods whose node is lost (NodeLostReason).
absl::StatusOr<std::vector<kube::FaultRecord>> LostNodeFaults(
    ClusterView* view, const std::vector<nlohmann::json>& bound, absl::Time now) {
  const std::set<std::string> names = NodesOf(bound);
  ASSIGN_OR_RETURN(auto nodes, view->Nodes(names));
  ASSIGN_OR_RETURN(auto leases, view->NodeLeases(names));
  std::map<std::string, std::string> lost;
  for (const std::string& name : names) {
    auto node = nodes.find(name);
    auto lease = leases.find(name);
    std::string reason = NodeLostReason(name, node == nodes.end() ? nullptr : &node->second,
                                        lease == leases.end() ? nullptr : &lease->second, now);
    if (!reason.empty()) lost[name] = std::move(reason);
  }
  std::vector<kube::FaultRecord> faults;
  for (const nlohmann::json& pod : bound) {
    const std::string node = pod["spec"].value("nodeName", "");
    auto reason = lost.find(node);
    if (reason == lost.end()) continue;
    faults.push_back(PodFault(kFaultNodeNotReady, pod, reason->second, now));
    if (auto lease = leases.find(node); lease != leases.end()) {
      SetNodeDetectionTime(lease->second, &faults.back());
    }
  }
  return faults;
}

kube::PlacementSummary Placement(const std::vector<RankTablePod>& members) {
  std::set<std::string> super_pods;
  std::set<std::string> nodes;
  for (const RankTablePod& member : members) {
    if (!member.node.super_pod_id.empty()) super_pods.insert(member.node.super_pod_id);
    nodes.insert(member.node.name);
  }
  return {.super_pods = {super_pods.begin(), super_pods.end()},
          .super_pods_spanned = static_cast<int32_t>(super_pods.size()),
          .nodes = static_cast<int32_t>(nodes.size())};
}

}  // namespace

absl::Status JobReconciler::ObservePods(Run& run, JobObservation* seen) {
  const kube::PostTrainingJob& job = run.job;
  std::vector<nlohmann::json> bound;
  for (const auto& [rank, pod_json] : run.current) {
    const nlohmann::json* pod = &pod_json;
    const std::string phase = pod->value("status", nlohmann::json::object()).value("phase", "");
    if (phase == "Succeeded") ++seen->pods_succeeded;
    if (phase == "Failed") {
      registry_->RecordFault(run.id, PodFault(kFaultPodFailed, *pod, "the pod failed", run.now));
    }
    if ((*pod)["metadata"].contains("deletionTimestamp")) {
      registry_->RecordFault(run.id,
                             PodFault(kFaultPodDeleted, *pod, "the pod is being deleted", run.now));
    }
    if (IsBound(*pod)) bound.push_back(*pod);
  }
  seen->pods_bound = static_cast<int32_t>(bound.size());
  std::optional<JobProgress> progress = registry_->Progress(run.id);
  const bool have_table = progress.has_value() && progress->rank_table.has_value();
  if (!have_table) {
    if (seen->pods_bound == job.spec.replicas) return BuildRankTable(run, bound, seen);
    return absl::OkStatus();
  }
  // The table was published by a reconcile whose status write did not land (a conflict, a
  // new leader): the placement is read again from the same pods.
  if (!job.status.placement.has_value() && seen->pods_bound == job.spec.replicas) {
    ASSIGN_OR_RETURN(std::vector<RankTablePod> members, MembersOf(bound));
    seen->placement = Placement(members);
  }
  for (int32_t rank = 0; rank < job.spec.replicas; ++rank) {
    if (run.current.contains(rank)) continue;
    kube::FaultRecord fault;
    fault.fault_class = kFaultPodDeleted;
    fault.pod = run.pod_names[rank];
    fault.message = "the pod no longer exists";
    fault.detected_at = run.now;
    registry_->RecordFault(run.id, std::move(fault));
  }
  ASSIGN_OR_RETURN(std::vector<kube::FaultRecord> lost, LostNodeFaults(view_, bound, run.now));
  for (kube::FaultRecord& fault : lost) registry_->RecordFault(run.id, std::move(fault));
  return absl::OkStatus();
}

absl::Status JobReconciler::BuildRankTable(Run& run, const std::vector<nlohmann::json>& bound,
                                           JobObservation* seen) {
  const kube::PostTrainingJob& job = run.job;
  ASSIGN_OR_RETURN(std::vector<RankTablePod> members, MembersOf(bound));
  absl::StatusOr<nlohmann::json> table =
      op::BuildRankTable(members, job.spec.replicas, job.spec.npus_per_replica);
  if (!table.ok()) {
    Event(run, true, "RankTableInvalid", std::string(table.status().message()));
    return absl::FailedPreconditionError(table.status().message());
  }
  if (options_.mirror_rank_table) RETURN_IF_ERROR(owned_.MirrorRankTable(job, *table));
  registry_->PublishRankTable(run.id, job.status.restart_generation, *table);
  if (job.status.phase == kube::JobPhase::kRecovering) RETURN_IF_ERROR(QueueRestartInPlace(run));
  seen->placement = Placement(members);
  Event(run, false, "RankTableReady",
        absl::StrCat("rank table v", (*table)["version"].get<std::string>(),
                     " completed: ", members.size(), " pods on ", seen->placement->nodes,
                     " nodes in ", seen->placement->super_pods_spanned, " super-pods"));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<RankTablePod>> JobReconciler::MembersOf(
    const std::vector<nlohmann::json>& bound) {
  const std::set<std::string> names = NodesOf(bound);
  ASSIGN_OR_RETURN(auto nodes, view_->Nodes(names));
  std::vector<RankTablePod> members;
  for (const nlohmann::json& pod : bound) {
    const std::string node_name = pod["spec"].value("nodeName", "");
    auto node = nodes.find(node_name);
    if (node == nodes.end()) {
      return absl::NotFoundError(absl::StrCat("node ", node_name, " of pod ",
                                              pod["metadata"].value("name", ""), " not found"));
    }
    ASSIGN_OR_RETURN(std::optional<RankTablePod> member, RankTablePodFrom(pod, node->second));
    if (member.has_value()) members.push_back(std::move(*member));
  }
  return members;
}

}  // namespace flyover::op
