#include "scheduler/plugins/basic_plugins.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/topology.h"

namespace flyover::sched::plugins {
namespace {

bool Tolerated(const Taint& taint, const std::vector<Toleration>& tolerations) {
  if (taint.effect == TaintEffect::kPreferNoSchedule) return true;
  return std::any_of(tolerations.begin(), tolerations.end(),
                     [&](const Toleration& t) { return t.Tolerates(taint); });
}

bool SelectorMatches(const PodRequest& pod, const NodeInfo& node) {
  for (const auto& [key, value] : pod.node_selector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return true;
}

bool AffinityMatches(const PodRequest& pod, const NodeInfo& node) {
  if (pod.required_affinity.empty()) return true;
  return std::any_of(pod.required_affinity.begin(), pod.required_affinity.end(),
                     [&](const NodeSelectorTerm& term) {
                       return term.Matches(node.labels, node.name);
                     });
}

}  // namespace

bool PrioritySort::Less(const GangRequest& a, const GangRequest& b) const {
  return std::forward_as_tuple(-a.priority, a.creation_time, a.gang_namespace, a.name) <
         std::forward_as_tuple(-b.priority, b.creation_time, b.gang_namespace, b.name);
}

absl::Status Gang::PreFilter(CycleState&, const ClusterSnapshot&, const GangRequest& gang) const {
  const int have = static_cast<int>(gang.pods.size());
  if (have < gang.EffectiveMinMember()) {
    return UnschedulableError(absl::StrCat("gang ", gang.Key(), " has ", have, " of its ",
                                           gang.EffectiveMinMember(),
                                           " minimum pods; waiting for the rest"));
  }
  return absl::OkStatus();
}

absl::Status Gang::Permit(CycleState&, const GangRequest& gang, const GangPlacement& placement) {
  const int placed = static_cast<int>(placement.pods.size());
  if (placed != static_cast<int>(gang.pods.size()) || placed < gang.EffectiveMinMember()) {
    return absl::AbortedError(absl::StrCat("gang ", gang.Key(), ": placement covers ", placed,
                                           " of ", gang.pods.size(), " pods (min member ",
                                           gang.EffectiveMinMember(), ")"));
  }
  return absl::OkStatus();
}

FilterVerdict Health::Filter(const CycleState&, const GangRequest&, const PodRequest& pod,
                             const NodeInfo& node) const {
  if (!node.ready) return FilterVerdict::Reject("node is NotReady");
  if (node.unschedulable) return FilterVerdict::Reject("node is cordoned");
  for (const Taint& taint : node.taints) {
    if (!Tolerated(taint, pod.tolerations)) {
      return FilterVerdict::Reject("node has a taint the pod does not tolerate");
    }
  }
  if (!SelectorMatches(pod, node)) return FilterVerdict::Reject("node selector does not match");
  if (!AffinityMatches(pod, node)) return FilterVerdict::Reject("node affinity does not match");
  return FilterVerdict::Fit();
}

FilterVerdict NodeResources::Filter(const CycleState&, const GangRequest&, const PodRequest& pod,
                                    const NodeInfo& node) const {
  if (node.free().Count() < pod.dies || node.requested.dies + pod.dies > node.allocatable.dies) {
    return FilterVerdict::Reject("not enough free healthy NPU dies");
  }
  if (node.requested.cpu_millis + pod.cpu_millis > node.allocatable.cpu_millis) {
    return FilterVerdict::Reject("not enough cpu");
  }
  if (node.requested.memory_bytes + pod.memory_bytes > node.allocatable.memory_bytes) {
    return FilterVerdict::Reject("not enough memory");
  }
  if (node.requested.pods + 1 > node.allocatable.pods) {
    return FilterVerdict::Reject("too many pods");
  }
  return FilterVerdict::Fit();
}

FilterVerdict Ascend910c::Filter(const CycleState&, const GangRequest&, const PodRequest& pod,
                                 const NodeInfo& node) const {
  if (pod.dies == 0) return FilterVerdict::Fit();
  if (!topology::ChooseDies(node.free(), pod.dies).has_value()) {
    return FilterVerdict::Reject("no whole free 910C chips for the pod's dies");
  }
  return FilterVerdict::Fit();
}

int64_t Ascend910c::Score(const CycleState&, const GangRequest&, const PodRequest& pod,
                          const NodeInfo& node) const {
  if (pod.dies == 0) return 0;
  return topology::NodeFitScore(node.free(), pod.dies) * kMaxNodeScore /
         topology::kMaxNodeFitScore;
}

}  // namespace flyover::sched::plugins
