#include "scheduler/framework/testing/snapshot_builder.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/topology.h"

namespace flyover::sched::testing {

std::string NodeName(int super_pod_id, int server_id) {
  return absl::StrCat("sp", super_pod_id, "-n", server_id);
}

NodeInfo A3Node(std::string name, int super_pod_id, int server_id) {
  NodeInfo node;
  node.name = std::move(name);
  node.super_pod_id = super_pod_id;
  node.server_id = server_id;
  node.rack_id = server_id / 8;
  node.allocatable = Resources{192000, int64_t{1536} << 30, 110, topology::kDiesPerNode};
  node.labels = {
      {std::string(topology::kLabelAccelerator), std::string(topology::kAcceleratorAscend910)},
      {std::string(topology::kLabelAcceleratorType),
       std::string(topology::kAcceleratorTypeA3SuperPod)},
      {std::string(topology::kLabelChipName), std::string(topology::kChipName910C)},
      {std::string(topology::kLabelSuperPodId), absl::StrCat(super_pod_id)},
      {std::string(topology::kLabelRackId), absl::StrCat(node.rack_id)},
      {std::string(topology::kLabelServerId), absl::StrCat(server_id)},
  };
  return node;
}

void SnapshotBuilder::Check(const absl::Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "SnapshotBuilder: %s\n", std::string(status.message()).c_str());
  std::abort();
}

SnapshotBuilder& SnapshotBuilder::AddSuperPods(int count, int nodes_each, int first_id) {
  for (int sp = first_id; sp < first_id + count; ++sp) {
    for (int server = 0; server < nodes_each; ++server) {
      Check(snapshot_.UpsertNode(A3Node(NodeName(sp, server), sp, server)));
    }
  }
  return *this;
}

SnapshotBuilder& SnapshotBuilder::AddNode(NodeInfo node) {
  Check(snapshot_.UpsertNode(std::move(node)));
  return *this;
}

SnapshotBuilder& SnapshotBuilder::Occupy(const std::string& node, DieSet dies) {
  PlacedPod pod;
  pod.pod_namespace = "other";
  pod.name = absl::StrCat(node, "-fill-", fillers_++);
  pod.node = node;
  pod.dies = dies;
  pod.cpu_millis = 1000;
  pod.memory_bytes = int64_t{1} << 30;
  Check(snapshot_.Assume(pod));
  return *this;
}

GangRequest MakeGang(const std::string& name, int pods, int dies, int block_dies,
                     SuperPodAffinity affinity) {
  GangRequest gang;
  gang.name = name;
  gang.gang_namespace = "default";
  gang.super_pod_block_dies = block_dies;
  gang.affinity = affinity;
  gang.spare_nodes_per_super_pod = 0;  // the scheduler's option decides
  for (int rank = 0; rank < pods; ++rank) {
    PodRequest pod;
    pod.name = absl::StrCat(name, "-", rank);
    pod.rank_index = rank;
    pod.dies = dies;
    pod.cpu_millis = 8000;
    pod.memory_bytes = int64_t{64} << 30;
    gang.pods.push_back(std::move(pod));
  }
  return gang;
}

namespace {

void PlaceFiller(ClusterSnapshot& snapshot, const NodeInfo& node, DieSet dies, int serial) {
  PlacedPod pod;
  pod.pod_namespace = "other";
  pod.name = absl::StrCat("random-", serial);
  pod.node = node.name;
  pod.dies = dies;
  pod.cpu_millis = 1000;
  pod.memory_bytes = int64_t{1} << 30;
  (void)snapshot.Assume(pod);  // dies come from free(): cannot conflict
}

}  // namespace

void OccupyRandomly(ClusterSnapshot& snapshot, double fraction, std::mt19937_64& rng) {
  const size_t nodes = snapshot.node_count();
  if (nodes == 0) return;
  int64_t healthy = 0;
  for (size_t i = 0; i < nodes; ++i) healthy += snapshot.node(i).healthy.Count();
  const int64_t target = static_cast<int64_t>(fraction * static_cast<double>(healthy));
  int64_t used = 0;
  for (size_t i = 0; i < nodes; ++i) used += snapshot.node(i).used_dies.Count();
  std::uniform_int_distribution<size_t> pick_node(0, nodes - 1);
  std::uniform_int_distribution<int> pick_percent(0, 99);
  int serial = 0;
  for (int misses = 0; used < target && misses < 1000;) {
    const size_t start = pick_node(rng);
    const bool multi_node = pick_percent(rng) < 60;
    const int span = multi_node ? std::uniform_int_distribution<int>(1, 32)(rng) : 1;
    const int dies = multi_node ? topology::kDiesPerNode : 2 << (pick_percent(rng) % 3);
    const int super_pod = snapshot.node(start).super_pod_id;
    int placed = 0;
    for (size_t i = start; i < nodes && placed < span && used < target; ++i) {
      const NodeInfo& node = snapshot.node(i);
      if (node.super_pod_id != super_pod) break;
      std::optional<DieSet> chosen = topology::ChooseDies(node.free(), dies);
      if (!chosen.has_value()) continue;
      used += chosen->Count();
      PlaceFiller(snapshot, node, *chosen, serial++);
      ++placed;
    }
    misses = placed == 0 ? misses + 1 : 0;
  }
}

}  // namespace flyover::sched::testing
