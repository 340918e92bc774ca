// A `flyover local` process-mode cluster for end-to-end tests: up and down through the
// `flyover` binary, the kube client on its kubeconfig, and readers for what the pods left
// behind (nodesim's container logs under <data dir>/nodesim/pods/).
//
// Not thread-safe; one cluster per data directory.
#ifndef FLYOVER_TESTS_E2E_E2E_CLUSTER_H_
#define FLYOVER_TESTS_E2E_E2E_CLUSTER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::e2e {

struct CommandRun {
  int code = -1;
  std::string out, err;
};

// Runs `flyover <args>`; stderr is collected through `err_file`.
CommandRun RunFlyover(const std::string& args, const std::string& err_file);

std::string ReadWholeFile(const std::string& path);

// Processes whose working directory is under `dir` (nodesim runs pods in their pod dirs).
std::vector<std::string> ProcessesUnder(const std::string& dir);

class LocalCluster {
 public:
  // `dir` holds the cluster (dir/cluster) and the command logs.
  explicit LocalCluster(std::string dir) : dir_(std::move(dir)) {}

  const std::string& data_dir() const { return data_; }
  // `local up --mode process` with `super_pods` x `nodes` nodes.
  CommandRun Up(int super_pods, int nodes_per_super_pod);
  CommandRun Down();
  CommandRun Flyover(const std::string& args);
  // A client on the cluster's kubeconfig.
  absl::StatusOr<std::unique_ptr<kube::RestClient>> Client() const;
  // The logs of the components, for failure messages.
  std::string ComponentLogs() const;

 private:
  std::string dir_;
  std::string data_ = dir_ + "/cluster";
};

// Polls the PostTrainingJob until `done(job)` or `timeout`; the last object seen either way.
nlohmann::json WaitForJob(kube::RestClient& client, const std::string& ns,
                          const std::string& name, absl::Duration timeout,
                          const std::function<bool(const nlohmann::json&)>& done);

// The loss of the rank-0 process of the job's pods at its clean exit, as the agent logged it
// ("rank exited" with exit_code=0 and rank=0) in the container logs under `data_dir`.
std::optional<std::string> FinalLossOfRankZero(const std::string& data_dir,
                                               const std::string& job);

}  // namespace flyover::e2e

#endif  // FLYOVER_TESTS_E2E_E2E_CLUSTER_H_
