#include "common/topology.h"

#include <algorithm>
#include <climits>
#include <map>
#include <ostream>
#include <tuple>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace flyover::topology {
namespace {

// Error messages quote untrusted input (annotations, labels): escape it and cap its length
// so a corrupt annotation cannot flood an Event or a log line.
constexpr size_t kMaxQuoted = 64;

std::string Quote(absl::string_view text) {
  const bool truncated = text.size() > kMaxQuoted;
  return absl::StrCat("\"", absl::CHexEscape(text.substr(0, kMaxQuoted)),
                      truncated ? "...\"" : "\"");
}

bool IsAllDigits(absl::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A canonical non-negative decimal ("0", "17"; not "", "+1", " 1", "01") that fits an int.
std::optional<int> ParseCanonicalInt(absl::string_view text) {
  if (!IsAllDigits(text) || (text.size() > 1 && text[0] == '0') || text.size() > 10) {
    return std::nullopt;
  }
  int64_t value = 0;
  for (char c : text) value = value * 10 + (c - '0');
  if (value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

// The lowest `count` dies of `set` (all of them if it has fewer).
DieSet LowestDies(DieSet set, int count) {
  DieSet out;
  for (DieId die : set) {
    if (out.Count() == count) break;
    out.Insert(die);
  }
  return out;
}

}  // namespace

std::string DieSet::ToDeviceNames() const {
  return absl::StrJoin(*this, ",", [](std::string* out, DieId die) {
    absl::StrAppend(out, kDeviceNamePrefix, die);
  });
}

std::string DieSet::ToIdList() const { return absl::StrJoin(*this, ","); }

absl::StatusOr<DieSet> DieSet::ParseDeviceNames(absl::string_view names) {
  DieSet set;
  if (names.empty()) return set;
  int position = 0;
  for (absl::string_view entry : absl::StrSplit(names, ',')) {
    ++position;
    const std::string where = absl::StrCat("device list entry ", position, " ", Quote(entry));
    if (entry.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("device list ", Quote(names), ": entry ", position, " is empty"));
    }
    if (!absl::ConsumePrefix(&entry, kDeviceNamePrefix)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": want \"", kDeviceNamePrefix, "<die id>\""));
    }
    if (!IsAllDigits(entry) || (entry.size() > 1 && entry[0] == '0')) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": the die id must be digits only, without sign or leading zeros"));
    }
    const std::optional<int> die = ParseCanonicalInt(entry);
    if (!die.has_value() || !IsValidDieId(*die)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown die id (a 910C node has dies 0..", kDiesPerNode - 1, ")"));
    }
    if (set.Contains(*die)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": die ", *die, " is listed twice"));
    }
    set.Insert(*die);
  }
  return set;
}

std::ostream& operator<<(std::ostream& os, DieSet set) {
  return os << "{" << set.ToIdList() << "}";
}

absl::Status ValidateNpuRequest(int npus_per_pod, int pods_in_job) {
  if (pods_in_job < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("a job has at least 1 pod; got ", pods_in_job));
  }
  const bool even_in_range = npus_per_pod >= 2 && npus_per_pod <= kDiesPerNode &&
                             npus_per_pod % kDiesPerChip == 0;
  if (even_in_range || (npus_per_pod == 1 && pods_in_job == 1)) return absl::OkStatus();
  if (npus_per_pod == 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "1 NPU (", kResourceName, ") per pod is allowed only for a single-pod job, and this job "
        "has ", pods_in_job, " pods; request an even number from 2 to ", kDiesPerNode,
        " (whole 910C chips)"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      kResourceName, " per pod must be an even number from 2 to ", kDiesPerNode,
      " (whole 910C chips)", pods_in_job == 1 ? ", or 1 for a single-pod job" : "", "; got ",
      npus_per_pod));
}

std::optional<DieSet> ChooseDies(DieSet free, int count) {
  if (count == 1) {
    // Finish a half-used chip before splitting a whole one.
    const DieSet halves = free.HalfChipDies();
    const DieSet pool = halves.empty() ? free : halves;
    if (pool.empty()) return std::nullopt;
    return LowestDies(pool, 1);
  }
  if (count < kDiesPerChip || count > kDiesPerNode || count % kDiesPerChip != 0) {
    return std::nullopt;
  }
  // WholeChipDies is a union of chips, so its lowest `count` (even) dies are whole chips too.
  const DieSet whole = free.WholeChipDies();
  if (whole.Count() < count) return std::nullopt;
  return LowestDies(whole, count);
}

int NodeFitScore(DieSet free, int count) {
  const std::optional<DieSet> chosen = ChooseDies(free, count);
  if (!chosen.has_value()) return 0;
  const DieSet leftover = free - *chosen;
  return kFitScorePerDie * (kDiesPerNode - leftover.Count()) - leftover.HalfChipDies().Count();
}

absl::StatusOr<int> RankId(int rank_index, int npus_per_pod, int local_device_index) {
  if (rank_index < 0) {
    return absl::InvalidArgumentError(absl::StrCat("rank index ", rank_index, " is negative"));
  }
  if (npus_per_pod < 1 || npus_per_pod > kDiesPerNode) {
    return absl::InvalidArgumentError(absl::StrCat("NPUs per pod ", npus_per_pod,
                                                   " is outside 1..", kDiesPerNode));
  }
  if (local_device_index < 0 || local_device_index >= npus_per_pod) {
    return absl::InvalidArgumentError(absl::StrCat("local device index ", local_device_index,
                                                   " is outside 0..", npus_per_pod - 1));
  }
  const int64_t rank = int64_t{rank_index} * npus_per_pod + local_device_index;
  if (rank > INT_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank id ", rank, " of rank index ", rank_index, " overflows"));
  }
  return static_cast<int>(rank);
}

absl::StatusOr<int> RankIdOfDie(int rank_index, DieSet pod_dies, DieId die) {
  if (!pod_dies.Contains(die)) {
    return absl::InvalidArgumentError(
        absl::StrCat("die ", die, " is not among the pod's dies ", pod_dies.ToIdList()));
  }
  const DieSet below = pod_dies & DieSet::FromMask(static_cast<uint16_t>((1u << die) - 1));
  return RankId(rank_index, pod_dies.Count(), below.Count());
}

absl::StatusOr<int> ParseRankIndex(absl::string_view value) {
  const std::optional<int> index = ParseCanonicalInt(value);
  if (!index.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(kAnnotationRankIndex, "=", Quote(value),
                                                   " is not a non-negative integer"));
  }
  return *index;
}

absl::StatusOr<int> ParseTopologyLabel(absl::string_view label, absl::string_view value) {
  const std::optional<int> id = ParseCanonicalInt(value);
  if (!id.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("label ", label, "=", Quote(value), " is not a non-negative integer"));
  }
  return *id;
}

absl::StatusOr<ClusterTopology> ClusterTopology::Create(std::vector<NodeTopology> nodes,
                                                        SuperPodOptions options) {
  if (options.max_nodes < 1 || options.spare_nodes < 0 ||
      options.spare_nodes >= options.max_nodes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "super-pod options: want max_nodes >= 1 and 0 <= spare_nodes < max_nodes; got max_nodes ",
        options.max_nodes, ", spare_nodes ", options.spare_nodes));
  }
  for (const NodeTopology& node : nodes) {
    if (node.name.empty()) return absl::InvalidArgumentError("a node has no name");
    if (node.super_pod_id < 0) {
      return absl::InvalidArgumentError(absl::StrCat("node ", node.name, " has no super-pod id (",
                                                     kLabelSuperPodId, ")"));
    }
  }
  std::sort(nodes.begin(), nodes.end(), [](const NodeTopology& a, const NodeTopology& b) {
    return std::tie(a.super_pod_id, a.server_id, a.name) <
           std::tie(b.super_pod_id, b.server_id, b.name);
  });

  ClusterTopology cluster;
  cluster.options_ = options;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeTopology& node = nodes[i];
    if (i > 0 && node.server_id >= 0 && nodes[i - 1].super_pod_id == node.super_pod_id &&
        nodes[i - 1].server_id == node.server_id) {
      return absl::InvalidArgumentError(
          absl::StrCat("nodes ", nodes[i - 1].name, " and ", node.name, " of super-pod ",
                       node.super_pod_id, " share server id ", node.server_id));
    }
    if (cluster.super_pods_.empty() || cluster.super_pods_.back().id != node.super_pod_id) {
      cluster.super_pods_.push_back(SuperPodTopology{node.super_pod_id, {}});
    }
    SuperPodTopology& super_pod = cluster.super_pods_.back();
    super_pod.nodes.push_back(i);
    if (static_cast<int>(super_pod.nodes.size()) > options.max_nodes) {
      return absl::InvalidArgumentError(absl::StrCat("super-pod ", super_pod.id,
                                                     " has more than ", options.max_nodes,
                                                     " nodes"));
    }
  }

  cluster.by_name_.resize(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) cluster.by_name_[i] = i;
  std::sort(cluster.by_name_.begin(), cluster.by_name_.end(),
            [&nodes](size_t a, size_t b) { return nodes[a].name < nodes[b].name; });
  for (size_t i = 1; i < cluster.by_name_.size(); ++i) {
    if (nodes[cluster.by_name_[i - 1]].name == nodes[cluster.by_name_[i]].name) {
      return absl::InvalidArgumentError(
          absl::StrCat("node ", nodes[cluster.by_name_[i]].name, " is listed twice"));
    }
  }
  cluster.nodes_ = std::move(nodes);
  return cluster;
}

const NodeTopology* ClusterTopology::FindNode(absl::string_view name) const {
  auto it = std::lower_bound(by_name_.begin(), by_name_.end(), name,
                             [this](size_t index, absl::string_view wanted) {
                               return absl::string_view(nodes_[index].name) < wanted;
                             });
  if (it == by_name_.end() || nodes_[*it].name != name) return nullptr;
  return &nodes_[*it];
}

const SuperPodTopology* ClusterTopology::FindSuperPod(int id) const {
  auto it = std::lower_bound(
      super_pods_.begin(), super_pods_.end(), id,
      [](const SuperPodTopology& super_pod, int wanted) { return super_pod.id < wanted; });
  if (it == super_pods_.end() || it->id != id) return nullptr;
  return &*it;
}

CapacitySummary SummarizeCapacity(absl::Span<const NodeCapacityView> nodes,
                                  int spare_nodes_per_super_pod) {
  const int spares = std::max(0, spare_nodes_per_super_pod);
  std::map<int, SuperPodCapacity> by_id;
  for (const NodeCapacityView& node : nodes) {
    SuperPodCapacity& super_pod = by_id[node.super_pod_id];
    super_pod.super_pod_id = node.super_pod_id;
    ++super_pod.nodes;
    if (!node.schedulable) continue;
    ++super_pod.schedulable_nodes;
    if (node.free == DieSet::All()) ++super_pod.wholly_free_nodes;
    super_pod.free_dies += node.free.Count();
    super_pod.free_whole_chips += node.free.WholeChipDies().Count() / kDiesPerChip;
  }

  CapacitySummary summary;
  for (auto& [id, super_pod] : by_id) {
    super_pod.placeable_free_nodes = std::max(0, super_pod.wholly_free_nodes - spares);
    if (summary.super_pods.empty() || super_pod.wholly_free_nodes > summary.largest_free_block) {
      summary.largest_free_block = super_pod.wholly_free_nodes;
      summary.largest_free_block_super_pod = id;
    }
    if (summary.super_pods.empty() ||
        super_pod.placeable_free_nodes > summary.largest_placeable_block) {
      summary.largest_placeable_block = super_pod.placeable_free_nodes;
      summary.largest_placeable_block_super_pod = id;
    }
    summary.total_free_dies += super_pod.free_dies;
    summary.total_wholly_free_nodes += super_pod.wholly_free_nodes;
    summary.super_pods.push_back(super_pod);
  }
  return summary;
}

}  // namespace flyover::topology
