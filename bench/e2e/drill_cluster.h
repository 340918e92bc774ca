// The fault drill's view of a `flyover local up --mode process` cluster: the `flyover`
// command, a kube client on the cluster's kubeconfig, the job's serving pods, the processes
// nodesim runs for a pod (found by their working directory, the pod's directory under
// <data dir>/nodesim/pods/), and what the pods leave behind (container logs, checkpoints).
//
// Not thread-safe; one cluster per data directory.
#ifndef FLYOVER_BENCH_E2E_DRILL_CLUSTER_H_
#define FLYOVER_BENCH_E2E_DRILL_CLUSTER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::drill {

struct CommandRun {
  int code = -1;
  std::string out, err;
};

class DrillCluster {
 public:
  // `flyover_binary` is the cli; the cluster lives in `data_dir`.
  DrillCluster(std::string flyover_binary, std::string data_dir)
      : flyover_(std::move(flyover_binary)), data_(std::move(data_dir)) {}

  const std::string& data_dir() const { return data_; }
  // `local up --mode process` with super_pods x nodes_per_super_pod nodes.
  CommandRun Up(int super_pods, int nodes_per_super_pod);
  CommandRun Down();
  // `flyover <args> --data-dir` semantics are the caller's: args are passed as given.
  CommandRun Flyover(const std::string& args);
  absl::StatusOr<std::unique_ptr<kube::RestClient>> Client() const;
  // The tails of the component logs, for failure messages.
  std::string ComponentLogs() const;

 private:
  std::string flyover_;
  std::string data_;
};

std::string ReadWholeFile(const std::string& path);

// The job's pods that serve a rank now: Running, not being deleted, the newest per
// hccl/rankIndex.
std::vector<nlohmann::json> ServingPods(kube::RestClient& client, const std::string& ns,
                                        const std::string& job);

// The dies a pod holds, from its huawei.com/Ascend910 annotation ("Ascend910-0,...").
std::vector<int> PodDies(const nlohmann::json& pod);

// The pids of the rank processes (`flyover-worker rank`) nodesim runs for `ns`/`pod`.
std::vector<int> RankPids(const std::string& data_dir, const std::string& ns,
                          const std::string& pod);

// The loss rank 0 reported at its clean exit, as the agent logged it ("rank exited" with
// rank=0 exit_code=0) in the container logs of the job's rank-0 pods.
std::optional<std::string> FinalLossOfRankZero(const std::string& data_dir,
                                               const std::string& ns, const std::string& job);

// Compares the shard files of checkpoint `step` under two checkpoint roots byte for byte:
// OK, or FailedPrecondition naming the first file that is missing or differs.
absl::Status SameCheckpointShards(const std::string& root_a, const std::string& root_b,
                                  int64_t step);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_CLUSTER_H_
