// Test and benchmark helpers: snapshots of 910C super-pod clusters, gang requests, random
// fragmentation, and a checker for placements. Used by the framework's and plugins' tests, the
// scheduler's cache tests and bench/scheduler. Not for production code.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_TESTING_SNAPSHOT_BUILDER_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_TESTING_SNAPSHOT_BUILDER_H_

#include <cstdint>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/framework.h"
#include "scheduler/framework/gang_request.h"
#include "scheduler/framework/placement.h"

namespace flyover::sched::testing {

// An Atlas 900 A3 node: 16 healthy dies, 192 cpus, 1.5 TiB, 110 pods, Ready, with the
// MindCluster labels (accelerator, accelerator-type, chip name, topotree super-pod/rack/server).
// Racks hold 8 servers.
NodeInfo A3Node(std::string name, int super_pod_id, int server_id);
// "sp<super_pod>-n<server>".
std::string NodeName(int super_pod_id, int server_id);

// Builds snapshots; every method CHECK-fails (aborts) on an inconsistent call, as tests want.
class SnapshotBuilder {
 public:
  // `count` super-pods of `nodes_each` nodes: ids first_id.., servers 0..nodes_each-1.
  SnapshotBuilder& AddSuperPods(int count, int nodes_each, int first_id = 0);
  SnapshotBuilder& AddNode(NodeInfo node);
  // Places a filler pod "<node>-fill-<n>" (namespace "other") holding `dies` on `node`.
  SnapshotBuilder& Occupy(const std::string& node, DieSet dies);
  SnapshotBuilder& OccupyWhole(const std::string& node) { return Occupy(node, DieSet::All()); }
  template <typename Fn>
  SnapshotBuilder& Modify(const std::string& node, Fn&& edit) {
    NodeInfo copy = *snapshot_.FindNode(node);
    edit(copy);
    Check(snapshot_.UpsertNode(std::move(copy)));
    return *this;
  }
  const ClusterSnapshot& snapshot() const { return snapshot_; }
  ClusterSnapshot& mutable_snapshot() { return snapshot_; }

 private:
  static void Check(const absl::Status& status);
  ClusterSnapshot snapshot_;
  int fillers_ = 0;
};

// `pods` pods "<name>-<rank>" of `dies` NPUs, ranks 0..pods-1, namespace "default", 8 cpus and
// 64 GiB each; spare_nodes_per_super_pod 0, so SchedulerOptions decides the spares.
GangRequest MakeGang(const std::string& name, int pods, int dies, int block_dies = 0,
                     SuperPodAffinity affinity = SuperPodAffinity::kRequired);

// Occupies about `fraction` of the healthy dies with other jobs of random shapes: multi-node
// jobs of 1..32 whole nodes inside one super-pod, and single pods of 2, 4 or 8 dies.
void OccupyRandomly(ClusterSnapshot& snapshot, double fraction, std::mt19937_64& rng);

// Checks `placement` against the rules on the snapshot it was computed from: every pod placed
// once; node known, Filter-level health (Ready, not cordoned); dies whole chips, free, never
// shared; cpu/memory/pods within allocatable; logical super-pods hold consecutive ranks;
// Required blocks inside one super-pod; new gangs
// leave max(options.spare, gang spare) wholly free nodes in every super-pod they touched
// (or take none there); replacements stay in their super-pod. FailedPrecondition naming the rule.
absl::Status CheckPlacement(const ClusterSnapshot& snapshot, const GangRequest& gang,
                            const GangPlacement& placement, const SchedulerOptions& options);

}  // namespace flyover::sched::testing

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_TESTING_SNAPSHOT_BUILDER_H_
