// GangRequest: what the scheduler is asked to place in one cycle, free of Kubernetes types.
//
// Contract (the Kubernetes half builds these from a PostTrainingJob generation's pending pods):
//   * A gang is placed whole or not at all: PlaceGang returns a node for every pod in `pods`, or
//     none. `min_member` is what the gang needs before any pod may bind: with fewer pods than
//     that, PlaceGang answers Unschedulable ("waiting for pods") and places nothing.
//   * pods[i].rank_index are distinct and >= 0; the scheduler keeps ranks of one logical
//     super-pod consecutive: logical block j holds ranks [j*B, (j+1)*B) with
//     B = super_pod_block_dies / dies-per-pod (all pods of a multi-node gang ask the same dies).
//   * super_pod_block_dies == 0 means "the whole gang is one logical super-pod".
//   * affinity kRequired: a logical super-pod never spans two physical super-pods (the gang stays
//     pending otherwise). kPreferred: blocks may split; the number of super-pods spanned is
//     minimised.
//   * New gangs never take a super-pod's last `spare_nodes_per_super_pod` wholly free nodes
//     (the scheduler's own option is a floor). A replacement (`replacement` set) may, and
//     prefers them, and must stay in replacement->super_pod_id.
//   * Node selector, tolerations and required node affinity follow Kubernetes semantics, kept
//     simple: selector = every label equal; affinity = OR of terms, a term = AND of requirements.
//
// A value type; no threading concerns.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_GANG_REQUEST_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_GANG_REQUEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "scheduler/framework/cluster_snapshot.h"

namespace flyover::sched {

enum class TolerationOperator { kEqual, kExists };

struct Toleration {
  std::string key;  // empty with kExists: tolerates every taint
  TolerationOperator op = TolerationOperator::kEqual;
  std::string value;
  std::optional<TaintEffect> effect;  // nullopt: every effect

  bool Tolerates(const Taint& taint) const;
  friend bool operator==(const Toleration&, const Toleration&) = default;
};

enum class LabelOperator { kIn, kNotIn, kExists, kDoesNotExist };

struct LabelRequirement {
  std::string key;
  LabelOperator op = LabelOperator::kIn;
  std::vector<std::string> values;  // for kIn / kNotIn

  bool Matches(const std::map<std::string, std::string>& labels) const;
  friend bool operator==(const LabelRequirement&, const LabelRequirement&) = default;
};

// A node matches a term when it matches every requirement on its labels (matchExpressions) and
// on its fields (matchFields; Kubernetes supports only metadata.name, the node's name). A term
// with neither matches nothing, as in Kubernetes.
struct NodeSelectorTerm {
  static constexpr char kNodeNameField[] = "metadata.name";

  std::vector<LabelRequirement> requirements;
  std::vector<LabelRequirement> fields;  // keys: kNodeNameField

  bool Matches(const std::map<std::string, std::string>& labels,
               const std::string& node_name) const;
  friend bool operator==(const NodeSelectorTerm&, const NodeSelectorTerm&) = default;
};

struct PodRequest {
  std::string name;
  int rank_index = 0;
  int dies = 0;  // huawei.com/Ascend910: 1 (single-pod gang only) or even 2..16
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
  // requiredDuringSchedulingIgnoredDuringExecution: OR of terms; empty = no constraint.
  std::vector<NodeSelectorTerm> required_affinity;

  // Equal dies, cpu, memory, selector, tolerations and affinity: Filter and Score answer the
  // same for both pods.
  bool SameRequirements(const PodRequest& other) const;
};

enum class SuperPodAffinity { kRequired, kPreferred };

// Set when the request replaces failed pods of a running gang.
struct Replacement {
  int super_pod_id = -1;                // physical super-pod of the pods' logical block; -1: any
  int logical_super_pod_index = 0;      // which logical block of the gang
  // Nodes of the running gang: within the super-pod, nodes in their racks go first.
  std::vector<std::string> gang_nodes;
};

struct GangRequest {
  std::string name;
  std::string gang_namespace;
  std::vector<PodRequest> pods;
  int min_member = 0;  // 0: all pods
  int super_pod_block_dies = 0;
  SuperPodAffinity affinity = SuperPodAffinity::kRequired;
  int spare_nodes_per_super_pod = topology::kDefaultSpareNodes;
  int priority = 0;             // queue sort: higher first
  absl::Time creation_time;     // queue sort: older first among equal priority
  std::optional<Replacement> replacement;

  // "<namespace>/<name>", the value PlacedPod::gang carries.
  std::string Key() const;
  int EffectiveMinMember() const;
};

// Checks the request's shape: non-empty, distinct ranks, Ascend per-pod die rules
// (topology::ValidateNpuRequest), equal dies per pod when the block is set, the block a
// multiple of 16 dies (for multi-node gangs) and of the pod size, total dies a multiple of the
// block (not for a replacement, which places part of a gang), min_member >= 0.
// InvalidArgument naming the field and the reason. PlaceGang runs it before any plugin.
[[nodiscard]] absl::Status ValidateGangRequest(const GangRequest& gang);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_GANG_REQUEST_H_
