#include "scheduler/framework/gang_request.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace flyover::sched {

bool Toleration::Tolerates(const Taint& taint) const {
  if (effect.has_value() && *effect != taint.effect) return false;
  if (op == TolerationOperator::kExists) return key.empty() || key == taint.key;
  return key == taint.key && value == taint.value;
}

bool LabelRequirement::Matches(const std::map<std::string, std::string>& labels) const {
  auto it = labels.find(key);
  const bool present = it != labels.end();
  const auto listed = [&] {
    return present && std::find(values.begin(), values.end(), it->second) != values.end();
  };
  switch (op) {
    case LabelOperator::kIn: return listed();
    case LabelOperator::kNotIn: return !listed();
    case LabelOperator::kExists: return present;
    case LabelOperator::kDoesNotExist: return !present;
  }
  return false;
}

bool NodeSelectorTerm::Matches(const std::map<std::string, std::string>& labels,
                               const std::string& node_name) const {
  if (requirements.empty() && fields.empty()) return false;
  const std::map<std::string, std::string> node_fields = {{kNodeNameField, node_name}};
  return std::all_of(requirements.begin(), requirements.end(),
                     [&](const LabelRequirement& r) { return r.Matches(labels); }) &&
         std::all_of(fields.begin(), fields.end(),
                     [&](const LabelRequirement& r) { return r.Matches(node_fields); });
}

bool PodRequest::SameRequirements(const PodRequest& other) const {
  return dies == other.dies && cpu_millis == other.cpu_millis &&
         memory_bytes == other.memory_bytes && node_selector == other.node_selector &&
         tolerations == other.tolerations && required_affinity == other.required_affinity;
}

std::string GangRequest::Key() const { return absl::StrCat(gang_namespace, "/", name); }

int GangRequest::EffectiveMinMember() const {
  return min_member == 0 ? static_cast<int>(pods.size()) : min_member;
}

namespace {

absl::Status Invalid(const GangRequest& gang, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("gang ", gang.Key(), ": ", what));
}

absl::Status ValidateBlock(const GangRequest& gang, int dies_per_pod) {
  const int block = gang.super_pod_block_dies;
  if (block < 0) return Invalid(gang, absl::StrCat("superPodBlock ", block, " is negative"));
  if (block == 0) return absl::OkStatus();
  const int64_t total = int64_t{dies_per_pod} * static_cast<int64_t>(gang.pods.size());
  // As the API validates it (docs/design/api.md): whole nodes once a block is larger than
  // a node; a smaller block (pods sharing a node's dies) is any multiple of the pod's NPUs.
  if (gang.pods.size() > 1 && block > topology::kDiesPerNode &&
      block % topology::kDiesPerNode != 0) {
    return Invalid(gang, absl::StrCat("superPodBlock ", block, " must be a multiple of ",
                                      topology::kDiesPerNode, " NPUs when larger than a node"));
  }
  if (block % dies_per_pod != 0) {
    return Invalid(gang, absl::StrCat("superPodBlock ", block, " is not a multiple of the ",
                                      dies_per_pod, " NPUs each pod asks for"));
  }
  // A replacement places part of a gang: its total need not fill whole blocks.
  if (!gang.replacement.has_value() && total % block != 0) {
    return Invalid(gang, absl::StrCat("the job's ", total, " NPUs are not a multiple of "
                                      "superPodBlock ", block));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateGangRequest(const GangRequest& gang) {
  if (gang.pods.empty()) return Invalid(gang, "has no pods");
  const int pods = static_cast<int>(gang.pods.size());
  if (gang.min_member < 0) {
    return Invalid(gang, absl::StrCat("minMember ", gang.min_member, " is negative"));
  }
  if (gang.spare_nodes_per_super_pod < 0) {
    return Invalid(gang, "spareNodesPerSuperPod is negative");
  }
  absl::flat_hash_set<int> ranks;
  for (const PodRequest& pod : gang.pods) {
    if (pod.rank_index < 0 || !ranks.insert(pod.rank_index).second) {
      return Invalid(gang, absl::StrCat("pod ", pod.name, ": rank index ", pod.rank_index,
                                        " is negative or repeated"));
    }
    if (absl::Status npus = topology::ValidateNpuRequest(pod.dies, pods); !npus.ok()) {
      return Invalid(gang, absl::StrCat("pod ", pod.name, ": ", npus.message()));
    }
    if (pod.cpu_millis < 0 || pod.memory_bytes < 0) {
      return Invalid(gang, absl::StrCat("pod ", pod.name, ": cpu or memory request is negative"));
    }
    if (gang.super_pod_block_dies > 0 && pod.dies != gang.pods.front().dies) {
      return Invalid(gang, absl::StrCat("pod ", pod.name, " asks ", pod.dies, " NPUs and pod ",
                                        gang.pods.front().name, " ", gang.pods.front().dies,
                                        "; superPodBlock needs equal NPUs per pod"));
    }
  }
  return ValidateBlock(gang, gang.pods.front().dies);
}

}  // namespace flyover::sched
