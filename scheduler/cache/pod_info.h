// PodInfo: what the scheduler reads from one Pod object, parsed once when the informer
// delivers it, so the cache, the gang collector and the scheduling loop never touch JSON.
//
// Parsing is lenient: a malformed gang annotation does not hide the pod; it is reported in
// PodInfo::parse_error so the scheduler can say why the pod is not scheduled (an Event) instead
// of silently ignoring it. Only a pod with no name is rejected (InvalidArgument).
//
// Plain values; thread-compatible.
#ifndef FLYOVER_SCHEDULER_CACHE_POD_INFO_H_
#define FLYOVER_SCHEDULER_CACHE_POD_INFO_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/topology.h"
#include "kube/cache/packed_json.h"
#include "scheduler/framework/gang_request.h"

namespace flyover::sched {

// The gang annotations of kube/api/scheduling_annotations.h, parsed.
struct GangSpec {
  std::string name;    // scheduling.flyover.dev/gang; "" for a pod outside any gang
  int min_member = 1;  // scheduling.flyover.dev/min-member
  absl::Duration timeout = absl::ZeroDuration();
  int super_pod_block = 0;  // NPUs per logical super-pod; 0 = not given
  bool affinity_required = false;
  int spare_nodes = 0;
  bool replacement = false;
  std::string job;  // the PostTrainingJob to report on; "" = none
};

struct PodInfo {
  std::string key;  // "<namespace>/<name>"
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string resource_version;
  std::string scheduler_name;
  std::string node_name;
  std::string phase;
  bool deleting = false;  // metadata.deletionTimestamp is set
  absl::Time created = absl::InfinitePast();
  // spec.priority: in a real cluster admission resolves spec.priorityClassName into it; 0 when
  // unset. Higher goes first in the queue.
  int priority = 0;
  int npus = 0;            // huawei.com/Ascend910 requested over all containers
  int64_t cpu_millis = 0;  // requested over all containers
  int64_t memory_bytes = 0;
  std::vector<Toleration> tolerations;
  // spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution terms
  // (matchExpressions, and matchFields on metadata.name).
  std::vector<NodeSelectorTerm> required_affinity;
  std::optional<int> rank_index;            // hccl/rankIndex, or the rank-index label
  std::optional<topology::DieSet> devices;  // huawei.com/Ascend910 annotation
  std::map<std::string, std::string> node_selector;
  GangSpec gang;
  absl::Status parse_error;  // a malformed annotation or request; OK otherwise

  // Holds resources on its node: bound and neither Succeeded nor Failed.
  [[nodiscard]] bool HoldsResources() const;
  // "<namespace>/<gang>", or "" outside a gang: the core's PlacedPod::gang.
  [[nodiscard]] std::string GangKey() const;
  // This pod holding `dies` on `node`, as the core's snapshot records it.
  [[nodiscard]] PlacedPod ToPlacedPod(const std::string& node, topology::DieSet dies,
                                      bool assumed) const;
  // Waits for this scheduler: right schedulerName, unbound, not deleting, not finished.
  [[nodiscard]] bool IsPendingFor(absl::string_view scheduler) const;
};

// Parses a pod as the informer caches it. InvalidArgument only without metadata.name.
[[nodiscard]] absl::StatusOr<PodInfo> ParsePodInfo(kube::JsonView pod);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_CACHE_POD_INFO_H_
