// Allocation bookkeeping and die choice for the plugin's gRPC calls.
//
// ParseDeviceIds turns the kubelet's "Ascend910-<id>" ids into a DieSet of this node.
// PreferDies answers GetPreferredAllocation with common/topology.h's rules (whole chips,
// lowest first; a single die from a half-used chip first), keeping the kubelet's
// must-include devices. AllocationTable remembers which dies the plugin handed to whom, so
// that no die goes to two containers.
//
// Pure functions and a thread-compatible table (the plugin guards it with its lock).
#ifndef FLYOVER_DEVICE_PLUGIN_ALLOCATION_H_
#define FLYOVER_DEVICE_PLUGIN_ALLOCATION_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "common/topology.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace flyover::deviceplugin {

// Parses device ids; InvalidArgument naming `field` and the id for a malformed id, an id
// not on this node (`node_dies`) or an id listed twice.
[[nodiscard]] absl::StatusOr<topology::DieSet> ParseDeviceIds(
    const google::protobuf::RepeatedPtrField<std::string>& ids, topology::DieSet node_dies,
    absl::string_view field);

// `size` dies from `free` (the healthy, unallocated dies the kubelet offers) including all
// of `must`, preferring the topology rules; falls back to the lowest free ids when the rules
// allow no choice (the kubelet's preference call is advisory). InvalidArgument when `must`
// is not within `free`, has more than `size` dies, or `free` has fewer than `size`.
[[nodiscard]] absl::StatusOr<topology::DieSet> PreferDies(topology::DieSet free,
                                                          topology::DieSet must, int size);

// Who holds an allocated die. An empty pod means only the kubelet knows (no pod lookup, or
// no annotated pod matched): such a hold is replaced when the kubelet hands the die out
// again, since the kubelet never gives one device to two live containers.
struct Holder {
  std::string namespace_;
  std::string pod;
  std::string container;
  bool known_pod() const { return !pod.empty(); }
  std::string PodKey() const { return namespace_ + "/" + pod; }
  bool operator==(const Holder&) const = default;
};

class AllocationTable {
 public:
  // The first die of `dies` that may not be given to `holder`: held by a known pod, or
  // (when `holder` is a known pod) held by anyone else. nullopt if all are free to take.
  std::optional<topology::DieId> Conflict(topology::DieSet dies, const Holder& holder) const;
  void Assign(topology::DieSet dies, const Holder& holder);
  // Drops holds of known pods whose key ("ns/name") is not in `live_pods`.
  void ReleasePodsNotIn(const std::set<std::string>& live_pods);
  // Keys of the known pods holding dies.
  std::set<std::string> HoldingPods() const;
  const std::map<topology::DieId, Holder>& holders() const { return holders_; }
  topology::DieSet Held() const;

 private:
  std::map<topology::DieId, Holder> holders_;
};

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_ALLOCATION_H_
