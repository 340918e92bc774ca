#include "scheduler/plugins/super_pod_capacity.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/topology.h"

namespace flyover::sched::plugins {
namespace {

int64_t Slots(int64_t allocatable, int64_t requested, int64_t per_pod) {
  if (per_pod <= 0) return std::numeric_limits<int64_t>::max();
  return std::max<int64_t>(0, allocatable - requested) / per_pod;
}

int64_t DieSlots(DieSet free, int dies) {
  if (dies <= 0) return std::numeric_limits<int64_t>::max();
  int64_t slots = 0;
  while (std::optional<DieSet> chosen = topology::ChooseDies(free, dies)) {
    free = free - *chosen;
    ++slots;
  }
  return slots;
}

struct Candidate {
  size_t node;
  int64_t score;
  int fit;
  bool near;  // in a rack of the replacement's running peers
  int rack;
  int server;
};

// Partly used nodes: best fit first, then near the peers; wholly free ones: near the peers
// first, then by rack and server.
void OrderCandidates(std::vector<Candidate>& partial, std::vector<Candidate>& whole) {
  std::sort(partial.begin(), partial.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(b.score, b.fit, b.near, a.rack, a.server, a.node) <
           std::tie(a.score, a.fit, a.near, b.rack, b.server, b.node);
  });
  std::sort(whole.begin(), whole.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(b.near, a.rack, a.server, a.node) < std::tie(a.near, b.rack, b.server, b.node);
  });
}

// (super-pod, rack) of the nodes running a replacement's gang (Replacement::gang_nodes).
absl::flat_hash_set<std::pair<int, int>> PeerRacks(const PlacementContext& context) {
  absl::flat_hash_set<std::pair<int, int>> racks;
  const std::optional<Replacement>& replacement = context.gang().replacement;
  if (!replacement.has_value()) return racks;
  for (const std::string& name : replacement->gang_nodes) {
    if (const NodeInfo* node = context.snapshot().FindNode(name); node != nullptr) {
      racks.insert({node->super_pod_id, node->rack_id});
    }
  }
  return racks;
}

struct GroupBuilder {
  GroupCapacity group;
  std::vector<Candidate> partial;
  std::vector<Candidate> whole;
  int64_t partial_capacity = 0;
  int64_t per_whole_node = 0;
};

void Finish(GroupBuilder& b, int spare, bool spares_first) {
  OrderCandidates(b.partial, b.whole);
  const int usable =
      std::min<int>(static_cast<int>(b.whole.size()), std::max(0, b.group.wholly_free_nodes - spare));
  b.whole.resize(static_cast<size_t>(usable));
  b.group.usable_free_nodes = usable;
  b.group.capacity = b.partial_capacity + b.per_whole_node * usable;
  const auto append = [&](const std::vector<Candidate>& from) {
    for (const Candidate& c : from) b.group.candidates.push_back(c.node);
  };
  append(spares_first ? b.whole : b.partial);
  append(spares_first ? b.partial : b.whole);
}

}  // namespace

int64_t PodsFitting(const NodeInfo& node, const PodRequest& pod) {
  int64_t fit = DieSlots(node.free(), pod.dies);
  if (pod.dies > 0) {
    fit = std::min(fit, Slots(node.allocatable.dies, node.requested.dies, pod.dies));
  }
  fit = std::min(fit, Slots(node.allocatable.cpu_millis, node.requested.cpu_millis, pod.cpu_millis));
  fit = std::min(fit, Slots(node.allocatable.memory_bytes, node.requested.memory_bytes,
                            pod.memory_bytes));
  return std::min(fit, Slots(node.allocatable.pods, node.requested.pods, 1));
}

std::vector<GroupCapacity> BuildGroupCapacities(const PlacementContext& context,
                                                const PodRequest& pod, int spare,
                                                bool spares_first,
                                                std::optional<int> only_super_pod,
                                                int* filtered_out) {
  std::vector<GroupBuilder> builders;
  absl::flat_hash_map<int, size_t> by_super_pod;
  int rejected = 0;
  const absl::flat_hash_set<std::pair<int, int>> peer_racks = PeerRacks(context);
  for (size_t i = 0; i < context.node_count(); ++i) {
    const NodeInfo& node = context.node(i);
    if (only_super_pod.has_value() && node.super_pod_id != *only_super_pod) continue;
    size_t slot = builders.size();
    if (node.super_pod_id >= 0) {
      auto [it, added] = by_super_pod.try_emplace(node.super_pod_id, slot);
      slot = it->second;
      if (added) builders.emplace_back();
    } else {
      builders.emplace_back();
    }
    GroupBuilder& b = builders[slot];
    b.group.super_pod_id = node.super_pod_id;
    const bool wholly_free = node.WhollyFree();
    if (wholly_free) ++b.group.wholly_free_nodes;
    if (!context.Filter(pod, i).fits) {
      ++rejected;
      continue;
    }
    const int64_t fit = PodsFitting(node, pod);
    if (fit <= 0) continue;
    const int fit_score = topology::NodeFitScore(node.free(), pod.dies);
    const bool near = peer_racks.contains({node.super_pod_id, node.rack_id});
    Candidate c{i, 0, fit_score, near, node.rack_id, node.server_id};
    if (wholly_free) {
      b.per_whole_node = fit;
      b.whole.push_back(c);
    } else {
      c.score = context.Score(pod, i);
      b.partial_capacity += fit;
      b.partial.push_back(c);
    }
  }
  if (filtered_out != nullptr) *filtered_out = rejected;
  std::vector<GroupCapacity> groups;
  groups.reserve(builders.size());
  for (GroupBuilder& b : builders) {
    Finish(b, spare, spares_first);
    groups.push_back(std::move(b.group));
  }
  return groups;
}

}  // namespace flyover::sched::plugins
