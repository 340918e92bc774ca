// What the fault drill reads of a `flyover local up --mode process` cluster beyond what every
// local-cluster test reads (tests/testing/local_cluster.h: up/down, client, component logs,
// rank 0's final loss): the job's serving pods, the dies a pod holds, the rank processes
// nodesim runs for a pod (found by their working directory, the pod's directory under
// <data dir>/nodesim/pods/), and checkpoints compared shard by shard.
//
// Readers return empty results when the cluster or the files are not there.
#ifndef FLYOVER_BENCH_E2E_DRILL_CLUSTER_H_
#define FLYOVER_BENCH_E2E_DRILL_CLUSTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"
#include "tests/testing/local_cluster.h"

namespace flyover::drill {

// The drill runs its cluster through the shared local-cluster helper.
using local_cluster::CommandRun;
using local_cluster::FinalLossOfRankZero;
using local_cluster::LocalCluster;
using local_cluster::ReadWholeFile;

// The job's pods that serve a rank now: Running, not being deleted, the newest per
// hccl/rankIndex.
std::vector<nlohmann::json> ServingPods(kube::RestClient& client, const std::string& ns,
                                        const std::string& job);

// The dies a pod holds, from its huawei.com/Ascend910 annotation ("Ascend910-0,...").
std::vector<int> PodDies(const nlohmann::json& pod);

// The pids of the rank processes (`flyover-worker rank`) nodesim runs for `ns`/`pod`.
std::vector<int> RankPids(const std::string& data_dir, const std::string& ns,
                          const std::string& pod);

// Compares the shard files of checkpoint `step` under two checkpoint roots byte for byte:
// OK, or FailedPrecondition naming the first file that is missing or differs.
absl::Status SameCheckpointShards(const std::string& root_a, const std::string& root_b,
                                  int64_t step);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_CLUSTER_H_
