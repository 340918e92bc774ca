#include "cli/job_summary.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/topology.h"

namespace flyover::cli {
namespace {

using kube::PostTrainingJob;
using kube::PostTrainingJobSpec;

int64_t CeilDiv(int64_t a, int64_t b) { return b <= 0 ? 0 : (a + b - 1) / b; }

// Logical super-pods that fit in one physical super-pod's usable nodes.
int64_t BlocksPerSuperPod(int64_t block_dies, int64_t usable_nodes) {
  constexpr int64_t kDies = topology::kDiesPerNode;
  if (block_dies <= kDies) return usable_nodes * (kDies / block_dies);
  return usable_nodes / CeilDiv(block_dies, kDies);
}

std::string PlacementLine(const PostTrainingJobSpec& spec, const PlacementEstimate& p) {
  std::string line = absl::StrFormat(
      "%d pods × %d NPUs = %d Ascend 910C dies on %d node%s", spec.replicas,
      spec.npus_per_replica, p.dies, p.nodes, p.nodes == 1 ? "" : "s");
  const std::string affinity = kube::EnumName(spec.topology.super_pod_affinity);
  if (spec.topology.super_pod_block == 0) {
    absl::StrAppend(&line, "; one logical super-pod (", affinity, ")");
  } else {
    absl::StrAppend(&line, absl::StrFormat("; %d logical super-pods of %d dies (%s)",
                                           p.logical_super_pods, spec.topology.super_pod_block,
                                           affinity));
  }
  if (p.min_super_pods > 0) {
    absl::StrAppend(&line, absl::StrFormat("; needs ≥ %d physical super-pod%s", p.min_super_pods,
                                           p.min_super_pods == 1 ? "" : "s"));
  } else {
    absl::StrAppend(&line, "; a logical super-pod is larger than one physical super-pod");
  }
  return line;
}

std::string TrainingLine(const kube::TrainingSpec& t, int64_t world) {
  const int64_t per_rank = world > 0 ? t.global_batch_size / world : 0;
  return absl::StrFormat(
      "%d-layer transformer (hidden %d, %d heads, vocab %d, seq %d) on %s data; %d steps, "
      "global batch %d (%d per rank in micro-batches of %d), lr %g, seed %d",
      t.model.layers, t.model.hidden_size, t.model.heads, t.model.vocab_size,
      t.model.sequence_length, kube::EnumName(t.dataset.kind), t.steps, t.global_batch_size,
      per_rank, t.micro_batch_size, t.learning_rate, t.seed);
}

std::string RecoveryLine(const kube::FaultToleranceSpec& ft) {
  std::vector<std::string> levels;
  for (kube::RecoveryLevel level : ft.recovery_levels) levels.push_back(kube::EnumName(level));
  return absl::StrFormat("%s; at most %d restarts; heartbeat timeout %ds, hang after %ds",
                         absl::StrJoin(levels, " → "), ft.max_restarts,
                         ft.heartbeat_timeout_seconds, ft.hang_timeout_seconds);
}

std::string CheckpointLine(const kube::CheckpointSpec& ck) {
  std::string where = ck.path;
  if (ck.volume_claim_name) absl::StrAppend(&where, " (claim ", *ck.volume_claim_name, ")");
  return absl::StrFormat("every %d steps to %s, keep %d, %d in-memory replica%s, %s",
                         ck.interval_steps, where, ck.keep, ck.in_memory_replicas,
                         ck.in_memory_replicas == 1 ? "" : "s", ck.async ? "async" : "sync");
}

}  // namespace

PlacementEstimate EstimatePlacement(const PostTrainingJobSpec& spec) {
  PlacementEstimate p;
  p.dies = int64_t{spec.replicas} * spec.npus_per_replica;
  p.chips = CeilDiv(p.dies, topology::kDiesPerChip);
  p.pods_per_node = spec.npus_per_replica > 0 ? topology::kDiesPerNode / spec.npus_per_replica : 0;
  p.nodes = CeilDiv(spec.replicas, p.pods_per_node);
  const int64_t block = spec.topology.super_pod_block > 0 ? spec.topology.super_pod_block : p.dies;
  p.logical_super_pods = block > 0 ? p.dies / block : 0;
  p.nodes_per_block = CeilDiv(block, topology::kDiesPerNode);
  const int64_t usable = topology::kDefaultSuperPodNodes - spec.topology.spare_nodes_per_super_pod;
  if (spec.topology.super_pod_affinity == kube::SuperPodAffinity::kPreferred) {
    p.min_super_pods = CeilDiv(p.nodes, usable);
  } else {
    const int64_t per_super_pod = BlocksPerSuperPod(block, usable);
    p.min_super_pods = per_super_pod > 0 ? CeilDiv(p.logical_super_pods, per_super_pod) : 0;
  }
  return p;
}

std::string SummarizeJob(const PostTrainingJob& job) {
  const PostTrainingJobSpec& spec = job.spec;
  const PlacementEstimate p = EstimatePlacement(spec);
  const std::string ns = job.metadata.namespace_.empty() ? "default" : job.metadata.namespace_;
  std::vector<std::string> lines = {
      absl::StrCat(ns, "/", job.metadata.name, ": valid"),
      absl::StrCat("  placement   ", PlacementLine(spec, p)),
      absl::StrCat("  training    ", TrainingLine(spec.training, p.dies)),
      absl::StrCat("  recovery    ", RecoveryLine(spec.fault_tolerance)),
      absl::StrCat("  checkpoint  ", CheckpointLine(spec.checkpoint)),
  };
  if (spec.suspend) lines.push_back("  suspended   yes: no pods until spec.suspend is false");
  return absl::StrJoin(lines, "\n");
}

}  // namespace flyover::cli
