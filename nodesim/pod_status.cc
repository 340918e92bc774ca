#include "nodesim/pod_status.h"

#include "absl/strings/str_cat.h"
#include "kube/api/meta.h"

namespace flyover::nodesim {
namespace {

using kube::core::ContainerStatus;
using kube::core::Pod;
using nlohmann::json;

json Condition(const char* type, bool status, absl::Time at, const char* reason = "") {
  json c = {{"type", type},
            {"status", status ? "True" : "False"},
            {"lastProbeTime", nullptr},
            {"lastTransitionTime", kube::FormatKubeTime(at)}};
  if (*reason != '\0') c["reason"] = reason;
  return c;
}

json Conditions(bool ready, absl::Time start, absl::Time now, const char* not_ready_reason) {
  return json::array({Condition("PodScheduled", true, start),
                      Condition("Initialized", true, start),
                      Condition("ContainersReady", ready, now, ready ? "" : not_ready_reason),
                      Condition("Ready", ready, now, ready ? "" : not_ready_reason)});
}

json ContainerStatuses(const std::vector<ContainerStatus>& statuses) {
  json out = json::array();
  for (const ContainerStatus& s : statuses) out.push_back(s);
  return out;
}

std::vector<ContainerStatus> AllRunning(const Pod& pod, absl::Time start) {
  std::vector<ContainerStatus> out;
  for (const auto& container : pod.spec.containers) {
    ContainerStatus s{.name = container.name, .ready = true};
    s.state.running = kube::core::ContainerStateRunning{.started_at = start};
    s.rest = {{"image", container.image}, {"imageID", ""}, {"started", true},
              {"containerID", absl::StrCat("nodesim://", pod.metadata.uid, "/", container.name)}};
    out.push_back(std::move(s));
  }
  return out;
}

json PodIps(const std::string& pod_ip) { return json::array({{{"ip", pod_ip}}}); }

}  // namespace

absl::StatusOr<PodMode> ResolvePodMode(const Pod& pod, PodMode node_mode) {
  auto it = pod.metadata.annotations.find(kAnnotationMode);
  if (it == pod.metadata.annotations.end()) return node_mode;
  return ParsePodMode(it->second, absl::StrCat("metadata.annotations[", kAnnotationMode, "]"));
}

absl::StatusOr<std::optional<absl::Duration>> ResolveSucceedAfter(
    const Pod& pod, std::optional<absl::Duration> fallback) {
  auto it = pod.metadata.annotations.find(kAnnotationSucceedAfter);
  if (it == pod.metadata.annotations.end()) return fallback;
  absl::Duration after;
  if (!absl::ParseDuration(it->second, &after) || after < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metadata.annotations[", kAnnotationSucceedAfter,
        "]: must be a non-negative duration such as \"30s\", got \"", it->second, "\""));
  }
  return after;
}

std::string SimulatedPodIp(int node_index, uint64_t slot) {
  return absl::StrCat("10.", (node_index / 256) % 256, ".", node_index % 256, ".",
                      2 + slot % 250);
}

json RunningStatusPatch(const Pod& pod, absl::Time start, const std::string& pod_ip,
                        const std::string& host_ip) {
  return {{"status",
           {{"phase", kube::core::kPodRunning},
            {"conditions", Conditions(true, start, start, "")},
            {"podIP", pod_ip},
            {"podIPs", PodIps(pod_ip)},
            {"hostIP", host_ip},
            {"startTime", kube::FormatKubeTime(start)},
            {"containerStatuses", ContainerStatuses(AllRunning(pod, start))}}}};
}

json SucceededStatusPatch(const Pod& pod, absl::Time now) {
  absl::Time start = pod.status.start_time.value_or(now);
  std::vector<ContainerStatus> statuses = AllRunning(pod, start);
  for (ContainerStatus& s : statuses) {
    s.ready = false;
    s.state.running.reset();
    s.state.terminated = kube::core::ContainerStateTerminated{
        .exit_code = 0, .reason = "Completed",
        .rest = {{"startedAt", kube::FormatKubeTime(start)},
                 {"finishedAt", kube::FormatKubeTime(now)}}};
    s.rest["started"] = false;
  }
  return {{"status",
           {{"phase", kube::core::kPodSucceeded},
            {"conditions", Conditions(false, start, now, "PodCompleted")},
            {"containerStatuses", ContainerStatuses(statuses)}}}};
}

json ProcessStatusPatch(const std::string& phase, const std::vector<ContainerStatus>& containers,
                        absl::Time start, const std::string& pod_ip, const std::string& host_ip,
                        absl::Time now) {
  bool ready = !containers.empty();
  for (const ContainerStatus& s : containers) ready = ready && s.ready;
  bool finished = phase == kube::core::kPodSucceeded || phase == kube::core::kPodFailed;
  return {{"status",
           {{"phase", phase},
            {"conditions",
             Conditions(ready, start, now, finished ? "PodCompleted" : "ContainersNotReady")},
            {"podIP", pod_ip},
            {"podIPs", PodIps(pod_ip)},
            {"hostIP", host_ip},
            {"startTime", kube::FormatKubeTime(start)},
            {"containerStatuses", ContainerStatuses(containers)}}}};
}

}  // namespace flyover::nodesim
