// JobReconciler's pod sync: which pod serves each rank index, creating the missing ones
// (and the replacements the recovery ladder asks for), deleting the rest, and registering
// the serving pods with the supervision registry.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "kube/api/scheduling_annotations.h"
#include "operator/job_reconciler.h"
#include "operator/job_reconciler_run.h"
#include "operator/recovery/recovery_status.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

namespace sched = kube::scheduling;

std::string LabelOf(const nlohmann::json& pod, const char* key) {
  const nlohmann::json labels = pod["metadata"].value("labels", nlohmann::json::object());
  return labels.is_object() ? labels.value(key, "") : "";
}

std::string AnnotationOf(const nlohmann::json& pod, const char* key) {
  const nlohmann::json annotations = pod["metadata"].value("annotations", nlohmann::json::object());
  return annotations.is_object() ? annotations.value(key, "") : "";
}

struct PodSlot {
  int32_t generation = -1;
  const nlohmann::json* pod = nullptr;
};

// The newest pod of each rank index among the job's pods of generation <= `generation`.
std::map<int32_t, PodSlot> NewestPodPerRank(const std::vector<nlohmann::json>& pods,
                                            int32_t generation, int32_t replicas) {
  std::map<int32_t, PodSlot> newest;
  for (const nlohmann::json& pod : pods) {
    int32_t pod_generation = -1;
    int32_t rank = -1;
    if (!absl::SimpleAtoi(LabelOf(pod, sched::kLabelGeneration), &pod_generation) ||
        !absl::SimpleAtoi(LabelOf(pod, sched::kLabelRankIndex), &rank) ||
        pod_generation > generation || rank < 0 || rank >= replicas) {
      continue;
    }
    PodSlot& slot = newest[rank];
    if (slot.pod == nullptr || pod_generation > slot.generation) slot = {pod_generation, &pod};
  }
  return newest;
}

// A pod replacing one of a running gang: the gang's annotation and the replacement mark.
void MarkReplacement(const std::string& running_gang, nlohmann::json* pod) {
  nlohmann::json& annotations = (*pod)["metadata"]["annotations"];
  annotations[sched::kAnnotationReplacement] = "true";
  if (!running_gang.empty()) annotations[sched::kAnnotationGang] = running_gang;
}

// The pods recorded on a lost node (a NodeNotReady fault): their kubelet cannot confirm a
// graceful deletion, so they are deleted with grace period 0 (docs/design/operator.md).
std::set<std::string> PodsOnLostNodes(const kube::PostTrainingJobStatus& status) {
  std::set<std::string> pods;
  for (const kube::FaultRecord& fault : status.faults) {
    if (fault.fault_class == kFaultNodeNotReady) pods.insert(fault.pod);
  }
  return pods;
}

}  // namespace

absl::Status JobReconciler::SyncAndObservePods(Run& run, const std::vector<nlohmann::json>& pods,
                                               JobObservation* seen) {
  RETURN_IF_ERROR(SyncPods(run, pods, seen));
  RETURN_IF_ERROR(RegisterPods(run));
  return ObservePods(run, seen);
}

absl::Status JobReconciler::SyncPods(Run& run, const std::vector<nlohmann::json>& pods,
                                     JobObservation* seen) {
  const kube::PostTrainingJob& job = run.job;
  const int32_t generation = job.status.restart_generation;
  const std::map<int32_t, int32_t> replace =
      RequiredPodGenerations(job.metadata.name, job.spec.replicas, job.status);
  const std::map<int32_t, PodSlot> newest = NewestPodPerRank(pods, generation, job.spec.replicas);
  std::string running_gang;
  run.current.clear();
  for (const auto& [rank, slot] : newest) {
    running_gang = AnnotationOf(*slot.pod, sched::kAnnotationGang);
    if (replace.contains(rank) && slot.generation < generation) continue;
    run.current[rank] = *slot.pod;
  }
  RETURN_IF_ERROR(DeleteStalePods(run, pods));
  std::optional<JobProgress> progress = registry_->Progress(run.id);
  const bool placed = (progress.has_value() && progress->generation == generation &&
                       progress->rank_table.has_value()) ||
                      job.status.phase == kube::JobPhase::kRunning ||
                      job.status.phase == kube::JobPhase::kRecovering;
  const bool replacing = ActiveRecoveryLevel(job.status) == kube::RecoveryLevel::kReschedulePod;
  std::vector<nlohmann::json> missing;
  run.pod_names.clear();
  for (int32_t rank = 0; rank < job.spec.replicas; ++rank) {
    if (run.current.contains(rank)) {
      run.pod_names.push_back(run.current[rank]["metadata"].value("name", ""));
      continue;
    }
    run.pod_names.push_back(PodName(job.metadata.name, rank, generation));
    if (placed && !replace.contains(rank)) continue;
    ASSIGN_OR_RETURN(nlohmann::json pod, BuildPod(job, rank, options_.pods));
    if (replacing) MarkReplacement(running_gang, &pod);
    missing.push_back(std::move(pod));
  }
  ASSIGN_OR_RETURN(int created, CreateMissingPods(run, missing, replacing));
  seen->pods_existing = static_cast<int32_t>(run.current.size()) + created;
  return absl::OkStatus();
}

absl::StatusOr<int> JobReconciler::CreateMissingPods(const Run& run,
                                                     const std::vector<nlohmann::json>& pods,
                                                     bool replacing) {
  const std::vector<absl::StatusOr<bool>> made =
      owned_.CreatePods(pods, options_.max_parallel_writes);
  std::vector<std::string> expected;
  int created = 0;
  absl::Status error;
  for (size_t i = 0; i < pods.size(); ++i) {
    const nlohmann::json& meta = pods[i]["metadata"];
    if (!made[i].ok()) {
      if (error.ok()) error = made[i].status();
      continue;
    }
    expected.push_back(absl::StrCat(meta.value("namespace", ""), "/", meta.value("name", "")));
    if (!*made[i]) continue;
    ++created;
    if (replacing) {
      Event(run, false, "ReplacementCreated",
            absl::StrCat("created ", meta.value("name", ""), " to replace rank index ",
                         meta["labels"].value(sched::kLabelRankIndex, ""), " in generation ",
                         run.job.status.restart_generation));
    }
  }
  if (options_.pod_expectations != nullptr) {
    options_.pod_expectations->ExpectCreations(run.id, expected, run.now);
  }
  if (created > 0) {
    Event(run, false, "CreatedPods",
          absl::StrCat("created ", created, " pods of generation ",
                       run.job.status.restart_generation));
  }
  RETURN_IF_ERROR(error);
  return created;
}

absl::Status JobReconciler::DeleteStalePods(Run& run, const std::vector<nlohmann::json>& pods) {
  const std::set<std::string> lost = PodsOnLostNodes(run.job.status);
  std::vector<nlohmann::json> stale;
  std::vector<nlohmann::json> stale_on_lost_nodes;
  for (const nlohmann::json& pod : pods) {
    int32_t rank = -1;
    if (!absl::SimpleAtoi(LabelOf(pod, sched::kLabelRankIndex), &rank)) continue;
    auto it = run.current.find(rank);
    const std::string name = pod["metadata"].value("name", "");
    if (it != run.current.end() && it->second["metadata"].value("name", "") == name) continue;
    (lost.contains(name) ? stale_on_lost_nodes : stale).push_back(pod);
  }
  RETURN_IF_ERROR(DeletePodsWithEvent(run, stale, false, "pods replaced or of earlier generations"));
  RETURN_IF_ERROR(DeletePodsWithEvent(
      run, stale_on_lost_nodes, true,
      "replaced pods on unreachable nodes with grace period 0: their kubelet cannot confirm a "
      "graceful deletion"));
  return absl::OkStatus();
}

absl::Status JobReconciler::RegisterPods(Run& run) {
  registry_->RegisterJob(run.id, {.token = run.token,
                                  .generation = run.job.status.restart_generation,
                                  .pods = run.pod_names,
                                  .fault_tolerance = run.job.spec.fault_tolerance});
  return absl::OkStatus();
}

}  // namespace flyover::op
