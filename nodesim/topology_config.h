// The simulated cluster's shape: which nodes nodesim registers, where each sits in the
// Ascend topology, and how each runs its pods.
//
// Nodes are named "sp<super-pod>-node<NN>" (two digits at least: "sp0-node07"). Within a
// super-pod, node i has rack id i / kNodesPerRack and server id i; its pods run as
// simulated pods or as local processes (`mode`), which a pod may override (pod_mode.h).
//
// The YAML file form (every key optional except the super-pods):
//
//   mode: simulated              # default mode of every node: simulated | process
//   superPods: 2                 # either a count ...
//   nodesPerSuperPod: 48
//   superPodList:                # ... or one entry per super-pod
//     - {id: 0, nodes: 4, mode: process}
//     - {id: 3, nodes: 48}
//
// Pure functions; errors are InvalidArgument naming the field and the reason.
#ifndef FLYOVER_NODESIM_TOPOLOGY_CONFIG_H_
#define FLYOVER_NODESIM_TOPOLOGY_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace flyover::nodesim {

enum class PodMode { kSimulated, kProcess };

inline constexpr int kNodesPerRack = 4;
inline constexpr int kMaxNodes = 100'000;

// "simulated" / "process"; InvalidArgument naming `field` otherwise.
[[nodiscard]] absl::StatusOr<PodMode> ParsePodMode(absl::string_view text,
                                                  absl::string_view field);
[[nodiscard]] absl::string_view PodModeName(PodMode mode);

struct SimNodeSpec {
  std::string name;  // "sp0-node07"
  int super_pod_id = 0;
  int rack_id = 0;
  int server_id = 0;
  PodMode mode = PodMode::kSimulated;
  bool operator==(const SimNodeSpec&) const = default;
};

// "sp<super_pod>-node<index>", the index zero-padded to two digits.
[[nodiscard]] std::string SimNodeName(int super_pod_id, int index);

// `super_pods` super-pods (ids 0..n-1) of `nodes_per_super_pod` nodes each.
[[nodiscard]] absl::StatusOr<std::vector<SimNodeSpec>> TopologyFromCounts(
    int super_pods, int nodes_per_super_pod, PodMode mode);

// Parses the YAML form above.
[[nodiscard]] absl::StatusOr<std::vector<SimNodeSpec>> ParseTopologyYaml(absl::string_view text);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_TOPOLOGY_CONFIG_H_
