// The Ascend 910C NPU topology model shared by the scheduler and the device plugin.
//
// Both sides pick dies by the functions here, so the scheduler's choice (written to the pod
// annotation huawei.com/Ascend910) and the device plugin's Allocate agree without talking.
// The rules follow MindCluster's ascend-for-volcano for 910C super-pods (docs: ASCEND.md):
//
//   * A node has 8 chips = 16 dies; dies 2k and 2k+1 form chip k. Each die is one NPU.
//   * A super-pod joins (by default) 48 nodes over the UB fabric; 2 of them are kept spare.
//   * A pod asks for 1 NPU (single-pod jobs only) or an even number 2..16 (whole chips).
//   * Within a node: best fit; a 1-die request takes the other half of a half-used chip first.
//
// Everything here is a value type or a pure function: no locks, no I/O, safe to use from any
// thread. Errors are absl::Status values with code InvalidArgument and a message meant for
// people (a pod Event, a CLI error); callers add their own context with flyover::Annotate.
#ifndef FLYOVER_COMMON_TOPOLOGY_H_
#define FLYOVER_COMMON_TOPOLOGY_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace flyover::topology {

// ---- Hardware shape -------------------------------------------------------------------------

// A die id: 0..kDiesPerNode-1 on a 910C node. The kubelet and the container see it as the
// device name "Ascend910-<id>" and in ASCEND_VISIBLE_DEVICES.
using DieId = int;
// A chip id: 0..kChipsPerNode-1. Chip k is dies 2k and 2k+1, joined by SIO.
using ChipId = int;

inline constexpr int kDiesPerChip = 2;
inline constexpr int kChipsPerNode = 8;
inline constexpr int kDiesPerNode = kDiesPerChip * kChipsPerNode;  // 16
// Nominal HBM of one die (a 910C chip carries 128 GiB). The exporter's
// npu_chip_info_hbm_total_memory reports the real figure; this is the model's default.
inline constexpr int64_t kHbmBytesPerDie = int64_t{64} << 30;

inline constexpr int kDefaultSuperPodNodes = 48;  // CloudMatrix 384: 48 nodes x 8 chips
inline constexpr int kDefaultSpareNodes = 2;      // kept free per super-pod for recovery

constexpr bool IsValidDieId(DieId die) { return die >= 0 && die < kDiesPerNode; }
constexpr ChipId ChipOfDie(DieId die) { return die / kDiesPerChip; }
// The other die of the same chip: 0<->1, 2<->3, ...
constexpr DieId SiblingDie(DieId die) { return die ^ 1; }

// ---- Kubernetes names (MindCluster conventions) ---------------------------------------------

// Extended resource a 910C node advertises 16 of.
inline constexpr absl::string_view kResourceName = "huawei.com/Ascend910";
// Device names are kDeviceNamePrefix + die id: "Ascend910-0".
inline constexpr absl::string_view kDeviceNamePrefix = "Ascend910-";

// Node labels and the values a 910C super-pod node carries.
inline constexpr absl::string_view kLabelAccelerator = "accelerator";
inline constexpr absl::string_view kAcceleratorAscend910 = "huawei-Ascend910";
inline constexpr absl::string_view kLabelAcceleratorType = "accelerator-type";
inline constexpr absl::string_view kAcceleratorTypeA3SuperPod = "module-a3-16-super-pod";
inline constexpr absl::string_view kLabelChipName = "node.kubernetes.io/npu.chip.name";
inline constexpr absl::string_view kChipName910C = "910C";
inline constexpr absl::string_view kLabelSuperPodId = "huawei.com/topotree.superpodid";
inline constexpr absl::string_view kLabelRackId = "huawei.com/topotree.rackid";
inline constexpr absl::string_view kLabelServerId = "huawei.com/topotree.serverid";

// Pod annotations: the dies the scheduler chose ("Ascend910-0,Ascend910-1"), which the device
// plugin's Allocate honours; and the pod's rank, kept across reschedules.
inline constexpr absl::string_view kAnnotationDevices = "huawei.com/Ascend910";
inline constexpr absl::string_view kAnnotationRankIndex = "hccl/rankIndex";

// ---- DieSet ---------------------------------------------------------------------------------

// A set of dies of one node, stored as a 16-bit mask (bit i = die i). Iterates in id order.
// Operations taking a DieId require IsValidDieId(die); out-of-range ids are ignored by
// Contains (false) and by Insert/Erase (no-op) rather than corrupting the mask.
class DieSet {
 public:
  class Iterator {
   public:
    // A C++20 forward iterator yielding ids by value (like std::views::iota); for legacy
    // algorithms it is an input iterator.
    using iterator_concept = std::forward_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    using value_type = DieId;
    using difference_type = std::ptrdiff_t;
    using pointer = const DieId*;
    using reference = DieId;

    constexpr Iterator() = default;
    constexpr explicit Iterator(uint16_t rest) : rest_(rest) {}
    constexpr DieId operator*() const { return std::countr_zero(rest_); }
    constexpr Iterator& operator++() {
      rest_ = static_cast<uint16_t>(rest_ & (rest_ - 1));  // drop the lowest set bit
      return *this;
    }
    constexpr Iterator operator++(int) {
      Iterator old = *this;
      ++*this;
      return old;
    }
    friend constexpr bool operator==(Iterator a, Iterator b) { return a.rest_ == b.rest_; }

   private:
    uint16_t rest_ = 0;
  };

  constexpr DieSet() = default;
  static constexpr DieSet FromMask(uint16_t mask) { return DieSet(mask); }
  static constexpr DieSet All() { return DieSet(0xFFFF); }
  // Both dies of `chip`; empty if the chip id is out of range.
  static constexpr DieSet Chip(ChipId chip) {
    return chip >= 0 && chip < kChipsPerNode ? DieSet(static_cast<uint16_t>(0x3u << (2 * chip)))
                                             : DieSet();
  }
  static constexpr DieSet Of(std::initializer_list<DieId> dies) {
    DieSet set;
    for (DieId die : dies) set.Insert(die);
    return set;
  }

  constexpr uint16_t mask() const { return mask_; }
  constexpr int Count() const { return std::popcount(mask_); }
  constexpr bool empty() const { return mask_ == 0; }
  constexpr bool Contains(DieId die) const {
    return IsValidDieId(die) && ((mask_ >> die) & 1u) != 0;
  }
  constexpr bool ContainsAll(DieSet other) const { return (mask_ & other.mask_) == other.mask_; }
  constexpr void Insert(DieId die) {
    if (IsValidDieId(die)) mask_ = static_cast<uint16_t>(mask_ | (1u << die));
  }
  constexpr void Erase(DieId die) {
    if (IsValidDieId(die)) mask_ = static_cast<uint16_t>(mask_ & ~(1u << die));
  }

  // The dies whose chip is wholly in the set (both dies present).
  constexpr DieSet WholeChipDies() const {
    const unsigned both = mask_ & (mask_ >> 1) & 0x5555u;
    return DieSet(static_cast<uint16_t>(both | (both << 1)));
  }
  // The dies whose sibling is not in the set: halves of split chips.
  constexpr DieSet HalfChipDies() const {
    return DieSet(static_cast<uint16_t>(mask_ & ~WholeChipDies().mask_));
  }

  constexpr Iterator begin() const { return Iterator(mask_); }
  constexpr Iterator end() const { return Iterator(); }
  std::vector<DieId> ToVector() const { return std::vector<DieId>(begin(), end()); }

  friend constexpr DieSet operator|(DieSet a, DieSet b) {
    return DieSet(static_cast<uint16_t>(a.mask_ | b.mask_));
  }
  friend constexpr DieSet operator&(DieSet a, DieSet b) {
    return DieSet(static_cast<uint16_t>(a.mask_ & b.mask_));
  }
  // Set difference: the dies of `a` not in `b`.
  friend constexpr DieSet operator-(DieSet a, DieSet b) {
    return DieSet(static_cast<uint16_t>(a.mask_ & ~b.mask_));
  }
  friend constexpr bool operator==(DieSet a, DieSet b) = default;

  // "Ascend910-0,Ascend910-3" in id order; "" for the empty set. This is the value of the
  // huawei.com/Ascend910 pod annotation and of ASCEND_VISIBLE_DEVICES-style lists.
  std::string ToDeviceNames() const;
  // Comma-separated die ids, "0,3": the form ASCEND_VISIBLE_DEVICES takes.
  std::string ToIdList() const;

  // Parses what ToDeviceNames writes, entries in any order: "" is the empty set. Each entry
  // must be exactly "Ascend910-<id>" with <id> a canonical decimal (no sign, spaces or
  // leading zeros) in 0..15. InvalidArgument, naming the entry and its position, for an
  // empty entry, another prefix, a malformed or unknown id, or a die listed twice.
  [[nodiscard]] static absl::StatusOr<DieSet> ParseDeviceNames(absl::string_view names);

 private:
  constexpr explicit DieSet(uint16_t mask) : mask_(mask) {}
  uint16_t mask_ = 0;
};

// Prints "{0,3}" (for test failures and logs).
std::ostream& operator<<(std::ostream& os, DieSet set);

// ---- Requests and die choice ----------------------------------------------------------------

// Checks a job's per-pod NPU request against the 910C rules: 1 NPU only for a single-pod job,
// otherwise an even number from 2 to 16 (whole chips on one node). OK, or InvalidArgument
// saying what is allowed. `pods_in_job` must be >= 1.
[[nodiscard]] absl::Status ValidateNpuRequest(int npus_per_pod, int pods_in_job);

// Chooses `count` dies from a node's `free` dies, or nullopt if the rules allow no choice.
//   count even, 2..16: count/2 whole chips whose two dies are both free, lowest chips first;
//                      never one die of a chip without its sibling.
//   count 1:           the lowest free die whose sibling is not free (the other half of a
//                      half-used chip); if there is none, the lowest die of a free chip.
//   any other count:   nullopt (ValidateNpuRequest rejects such requests).
// Deterministic: the same `free` and `count` always give the same dies.
[[nodiscard]] std::optional<DieSet> ChooseDies(DieSet free, int count);

// Best-fit score of placing a `count`-die pod on a node with `free` dies, for ranking nodes
// (higher is better). With chosen = ChooseDies(free, count) and leftover = free - chosen:
//
//   NodeFitScore = kFitScorePerDie * (kDiesPerNode - |leftover|) - |leftover.HalfChipDies()|
//
// i.e. 9 points for each die that will not be left free, minus 1 per leftover die whose
// sibling is taken (a split chip that can no longer serve a multi-die pod). Since a node has
// at most 8 split chips (< 9), fewer leftover dies always wins, and among equal leftovers the
// node whose leftover is whole chips wins. A node packed exactly (leftover empty) scores
// kMaxNodeFitScore = 144; the lowest feasible score is 8 (1 die from an empty node).
// Infeasible placements (ChooseDies gives nullopt) score 0.
inline constexpr int kFitScorePerDie = 9;
inline constexpr int kMaxNodeFitScore = kFitScorePerDie * kDiesPerNode;
[[nodiscard]] int NodeFitScore(DieSet free, int count);

// ---- Rank ids ---------------------------------------------------------------------------------

// The rank table's rank_id of a device: rank_index * npus_per_pod + local_device_index, where
// rank_index is the pod's hccl/rankIndex and local_device_index is the device's position
// (0-based) in the pod's device list, which lists dies in id order. InvalidArgument for a
// negative rank index, npus_per_pod outside 1..16, a local index outside [0, npus_per_pod),
// or a rank id that would not fit in an int.
[[nodiscard]] absl::StatusOr<int> RankId(int rank_index, int npus_per_pod,
                                         int local_device_index);
// Same, with the local index taken as the position of `die` in `pod_dies`; InvalidArgument
// if `die` is not in `pod_dies`.
[[nodiscard]] absl::StatusOr<int> RankIdOfDie(int rank_index, DieSet pod_dies, DieId die);

// Parses an hccl/rankIndex annotation value: a canonical non-negative decimal.
[[nodiscard]] absl::StatusOr<int> ParseRankIndex(absl::string_view value);
// Parses the value of a huawei.com/topotree.* label (super-pod, rack or server id): a
// canonical non-negative decimal. The message names the label.
[[nodiscard]] absl::StatusOr<int> ParseTopologyLabel(absl::string_view label,
                                                     absl::string_view value);

// ---- Nodes, super-pods, cluster ---------------------------------------------------------------

// One 910C super-pod node: kDiesPerNode dies in kChipsPerNode chips. A broken die is not
// modelled here: it is simply never in the node's free set.
struct NodeTopology {
  std::string name;       // Kubernetes node name
  int super_pod_id = -1;  // huawei.com/topotree.superpodid; >= 0 in a ClusterTopology
  int rack_id = -1;       // huawei.com/topotree.rackid, -1 if unknown
  int server_id = -1;     // huawei.com/topotree.serverid, -1 if unknown
  int64_t hbm_bytes_per_die = kHbmBytesPerDie;

  static constexpr int dies() { return kDiesPerNode; }
  static constexpr int chips() { return kChipsPerNode; }
  static constexpr DieSet AllDies() { return DieSet::All(); }
};

struct SuperPodOptions {
  int max_nodes = kDefaultSuperPodNodes;  // nodes a physical super-pod can hold
  int spare_nodes = kDefaultSpareNodes;   // kept free for fault recovery
};

// One physical super-pod: its nodes, as indices into ClusterTopology::nodes(), ordered by
// (server id, name).
struct SuperPodTopology {
  int id = 0;
  std::vector<size_t> nodes;
};

// Super-pods and their nodes. Immutable after Create; copyable.
class ClusterTopology {
 public:
  // Groups `nodes` by super-pod. InvalidArgument if a node has no name or a negative
  // super-pod id, a name repeats, two nodes of one super-pod share a server id (>= 0), a
  // super-pod has more than options.max_nodes nodes, or the options are out of range
  // (max_nodes >= 1, 0 <= spare_nodes < max_nodes).
  [[nodiscard]] static absl::StatusOr<ClusterTopology> Create(std::vector<NodeTopology> nodes,
                                                              SuperPodOptions options = {});

  // Sorted by super-pod id, then server id, then name.
  const std::vector<NodeTopology>& nodes() const { return nodes_; }
  // Sorted by id.
  const std::vector<SuperPodTopology>& super_pods() const { return super_pods_; }
  const SuperPodOptions& options() const { return options_; }

  // nullptr if absent. The pointer is valid while this ClusterTopology lives.
  const NodeTopology* FindNode(absl::string_view name) const;
  const SuperPodTopology* FindSuperPod(int id) const;

 private:
  ClusterTopology() = default;
  std::vector<NodeTopology> nodes_;
  std::vector<size_t> by_name_;  // indices into nodes_, sorted by name
  std::vector<SuperPodTopology> super_pods_;
  SuperPodOptions options_;
};

// ---- Free capacity per super-pod ----------------------------------------------------------------

// What the scheduler sees of one node at a moment.
struct NodeCapacityView {
  int super_pod_id = 0;
  DieSet free;              // healthy, unallocated dies
  bool schedulable = true;  // false: cordoned, NotReady, tainted away; contributes nothing
};

struct SuperPodCapacity {
  int super_pod_id = 0;
  int nodes = 0;               // every node of the super-pod in the view
  int schedulable_nodes = 0;
  int wholly_free_nodes = 0;   // schedulable with all 16 dies free
  int free_dies = 0;           // on schedulable nodes
  int free_whole_chips = 0;    // chips with both dies free, on schedulable nodes
  // wholly_free_nodes minus the super-pod's spares, at least 0: what a new job may take.
  int placeable_free_nodes = 0;

  // Free dies on partly used nodes: capacity only small pods can use (a fragmentation gauge).
  int fragmented_free_dies() const { return free_dies - wholly_free_nodes * kDiesPerNode; }
};

// Every node of a physical super-pod reaches every other over the UB fabric, so any wholly
// free nodes of one super-pod form a block; the largest block is the best super-pod's count.
struct CapacitySummary {
  std::vector<SuperPodCapacity> super_pods;  // sorted by id; only super-pods in the view
  int largest_free_block = 0;                // max wholly_free_nodes over super-pods
  int largest_free_block_super_pod = -1;     // its id (lowest on ties); -1 if no super-pods
  int largest_placeable_block = 0;           // max placeable_free_nodes over super-pods
  int largest_placeable_block_super_pod = -1;
  int total_free_dies = 0;
  int total_wholly_free_nodes = 0;
};

// Counts free capacity per super-pod. `spare_nodes_per_super_pod` (>= 0) is subtracted from
// each super-pod's wholly free nodes to give placeable_free_nodes.
[[nodiscard]] CapacitySummary SummarizeCapacity(absl::Span<const NodeCapacityView> nodes,
                                                int spare_nodes_per_super_pod = kDefaultSpareNodes);

}  // namespace flyover::topology

#endif  // FLYOVER_COMMON_TOPOLOGY_H_
