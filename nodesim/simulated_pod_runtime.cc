#include "nodesim/simulated_pod_runtime.h"

#include "common/status.h"
#include "kube/client/api_status.h"
#include "nodesim/pod_status.h"

namespace flyover::nodesim {

using kube::core::Pod;

absl::Status FinishDeletion(kube::RestClient* client, const Pod& pod) {
  absl::Status status = client->Delete(
      kube::PodsResource(), pod.metadata.namespace_, pod.metadata.name,
      {.grace_period_seconds = 0, .precondition_uid = pod.metadata.uid});
  // Gone already, or replaced by a new pod of the same name (the uid precondition failed).
  if (absl::IsNotFound(status) || kube::IsConflict(status)) return absl::OkStatus();
  return status;
}

absl::Status PatchPodStatus(kube::RestClient* client, const Pod& pod, const nlohmann::json& patch) {
  return client
      ->Patch(kube::PodsResource(), pod.metadata.namespace_, pod.metadata.name, patch,
              {.subresource = "status"})
      .status();
}

absl::StatusOr<kube::Result> SimulatedPodRuntime::Sync(const std::string&, const Pod& pod,
                                                       const NodeRef& node) {
  if (pod.metadata.deletion_timestamp.has_value()) {
    RETURN_IF_ERROR(FinishDeletion(client_, pod));
    return kube::Result{};
  }
  const std::string& phase = pod.status.phase;
  if (phase == kube::core::kPodSucceeded || phase == kube::core::kPodFailed) return kube::Result{};
  if (phase == kube::core::kPodRunning) return MaybeSucceed(pod);
  absl::Time start = options_.clock->Now();
  std::string ip = SimulatedPodIp(node.index, next_slot_.fetch_add(1));
  absl::Status status =
      PatchPodStatus(client_, pod, RunningStatusPatch(pod, start, ip, options_.host_ip));
  if (absl::IsNotFound(status)) return kube::Result{};
  RETURN_IF_ERROR(status);
  started_.fetch_add(1);
  // The informer brings the Running pod back; MaybeSucceed then schedules the end.
  return kube::Result{};
}

absl::StatusOr<kube::Result> SimulatedPodRuntime::MaybeSucceed(const Pod& pod) {
  ASSIGN_OR_RETURN(std::optional<absl::Duration> after,
                   ResolveSucceedAfter(pod, options_.succeed_after));
  if (!after.has_value()) return kube::Result{};
  absl::Time now = options_.clock->Now();
  absl::Time due = pod.status.start_time.value_or(now) + *after;
  if (now < due) return kube::Result{.requeue_after = due - now};
  // Only from the Running object we saw: a requeue that runs before the informer brings
  // back the Succeeded pod must not finish it (and count it) a second time.
  nlohmann::json patch = SucceededStatusPatch(pod, now);
  patch["metadata"]["resourceVersion"] = pod.metadata.resource_version;
  absl::Status status = PatchPodStatus(client_, pod, patch);
  if (absl::IsNotFound(status) || absl::IsAborted(status)) return kube::Result{};
  RETURN_IF_ERROR(status);
  succeeded_.fetch_add(1);
  return kube::Result{};
}

}  // namespace flyover::nodesim
