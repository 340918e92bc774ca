// ClusterSnapshot: the scheduler's Kubernetes-free model of the cluster at one moment.
//
// Contract (relied on by the informer-fed cache in scheduler/cache and by every plugin):
//   * Nodes carry what placement needs and nothing of Kubernetes' types: name, physical
//     super-pod id (label huawei.com/topotree.superpodid, -1 if absent), rack/server ids,
//     labels, taints, allocatable cpu/memory/pods/dies, the healthy DieSet reported by the device
//     plugin, the Ready condition and spec.unschedulable.
//   * Pods placed on nodes are PlacedPods. Assumed pods (chosen by the scheduler, bind not yet
//     observed) count exactly like bound ones: a die held by either is never free.
//   * NodeInfo::free() = healthy dies minus dies held by placed pods. Dies of a placed pod that
//     became unhealthy stay "used" (they are not free twice when they heal).
//   * Copying a snapshot is cheap (O(nodes) pointer copies, no NodeInfo or pod copies):
//     storage is shared copy-on-write, so a cache can hand a copy to a scheduling cycle and keep
//     mutating its own. Two copies never observe each other's mutations.
//   * Mutations are all-or-nothing: on error nothing changed. A mutation invalidates the
//     references and pointers node(), FindNode() and FindPod() returned from this object.
//
// Threading: a value type with no internal locking. Const methods may be called concurrently on
// one object; a mutation needs exclusive access to that object (other copies are independent).
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_CLUSTER_SNAPSHOT_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_CLUSTER_SNAPSHOT_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/topology.h"

namespace flyover::sched {

using topology::DieSet;

// cpu in millicores, memory in bytes, pods as a count, dies as a count of huawei.com/Ascend910.
struct Resources {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t pods = 0;
  int64_t dies = 0;

  friend bool operator==(const Resources&, const Resources&) = default;
};

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute };

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;
};

// A node as the cache last saw it. `used_dies` and `requested` are maintained by the snapshot
// from its placed pods; whatever the caller sets there in UpsertNode is ignored.
struct NodeInfo {
  std::string name;
  int super_pod_id = -1;  // -1: no huawei.com/topotree.superpodid label
  int rack_id = -1;
  int server_id = -1;
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  Resources allocatable;  // allocatable.dies is what the node advertises (16 on a 910C node)
  DieSet healthy = DieSet::All();
  bool ready = true;
  bool unschedulable = false;  // spec.unschedulable (cordoned)

  // Maintained by ClusterSnapshot.
  DieSet used_dies;
  Resources requested;  // sum over placed pods; requested.pods counts them

  DieSet free() const { return healthy - used_dies; }
  // Ready, not cordoned, and every advertised die healthy and free: what a spare node is.
  bool WhollyFree() const;
};

// A pod that holds resources on a node: bound, or assumed by the scheduler.
struct PlacedPod {
  std::string pod_namespace;
  std::string name;
  std::string node;
  DieSet dies;
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  std::string gang;      // "<namespace>/<gang name>", empty if the pod belongs to no gang
  int rank_index = -1;   // hccl/rankIndex, -1 if none
  bool assumed = false;  // true until the bind is observed

  // "<namespace>/<name>": the key Assume and Forget use.
  std::string Key() const;
};

class ClusterSnapshot {
 public:
  ClusterSnapshot();

  // Adds or replaces a node by name. The pods already placed on it stay placed (their dies
  // stay used). InvalidArgument for an empty name or allocatable.dies outside 0..16.
  [[nodiscard]] absl::Status UpsertNode(NodeInfo node);
  // Removes a node and forgets the pods placed on it. NotFound if absent.
  [[nodiscard]] absl::Status RemoveNode(absl::string_view name);

  // Places `pod` (bound or assumed) on its node. If a pod with the same key is already placed it
  // is replaced (Forget then Assume, atomically). Errors, leaving the snapshot unchanged:
  //   NotFound            the node is unknown;
  //   FailedPrecondition  a die is outside the node's advertised dies or held by another pod.
  // cpu/memory/pod-count over-commit is accepted (the kubelet is the authority on bound pods);
  // the scheduler itself never proposes one.
  [[nodiscard]] absl::Status Assume(const PlacedPod& pod);
  // Releases the pod's resources. NotFound if no pod has this key.
  [[nodiscard]] absl::Status Forget(absl::string_view pod_namespace, absl::string_view name);

  size_t node_count() const { return nodes_->size(); }
  // 0 <= index < node_count(). Indices are stable until a node is removed.
  const NodeInfo& node(size_t index) const { return *(*nodes_)[index]; }
  const NodeInfo* FindNode(absl::string_view name) const;
  // -1 if absent.
  int NodeIndex(absl::string_view name) const;
  const PlacedPod* FindPod(absl::string_view pod_namespace, absl::string_view name) const;
  size_t pod_count() const { return pods_->size(); }
  // Calls fn(const PlacedPod&) for every placed pod, in no particular order.
  template <typename Fn>
  void ForEachPod(Fn&& fn) const {
    for (const auto& [key, pod] : *pods_) fn(pod);
  }

 private:
  using NodeVector = std::vector<std::shared_ptr<const NodeInfo>>;
  using NameIndex = absl::flat_hash_map<std::string, size_t>;
  using PodMap = absl::flat_hash_map<std::string, PlacedPod>;

  NodeVector& MutableNodes();
  NameIndex& MutableIndex();
  PodMap& MutablePods();
  NodeInfo& MutableNode(size_t index);
  absl::Status CheckFits(const PlacedPod& pod, const PlacedPod* replaced) const;
  void Release(const PlacedPod& pod);

  std::shared_ptr<NodeVector> nodes_;
  std::shared_ptr<NameIndex> index_;
  std::shared_ptr<PodMap> pods_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_CLUSTER_SNAPSHOT_H_
