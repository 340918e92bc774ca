// A `flyover local up --mode process` cluster driven from a test or benchmark process: up and
// down through the `flyover` binary, a kube client on the cluster's kubeconfig, the job's
// status polled through it, and readers for what the cluster leaves on disk (component logs
// under <data dir>/logs/, nodesim's pod directories <data dir>/nodesim/pods/<ns>_<pod>_<uid>
// with their container logs, the processes running in them).
//
// Used by tests/e2e/ and bench/e2e/ (the fault drill); what only one of them needs stays there.
// Commands are run through the shell (popen): `flyover <args> 2> <stderr file>`.
//
// Errors: a command that cannot be started reads as exit code -1; readers of files that are
// missing return empty results. Not thread-safe; one cluster per data directory.
#ifndef FLYOVER_TESTS_TESTING_LOCAL_CLUSTER_H_
#define FLYOVER_TESTS_TESTING_LOCAL_CLUSTER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::local_cluster {

// A finished command: its exit code (-1: not started or killed by a signal) and output.
struct CommandRun {
  int code = -1;
  std::string out, err;
};

struct LocalClusterOptions {
  std::string flyover_binary;  // the `flyover` command line
  std::string data_dir;        // the cluster's --data-dir
  std::string stderr_file;     // where commands' stderr goes; empty: <data_dir>.stderr
  absl::Duration up_timeout = absl::Seconds(90);       // `local up --timeout`
  absl::Duration request_timeout = absl::Seconds(30);  // the client's per-call timeout
  size_t log_tail_bytes = 6000;                        // per component in ComponentLogs()
};

class LocalCluster {
 public:
  explicit LocalCluster(LocalClusterOptions options);

  const std::string& data_dir() const { return options_.data_dir; }
  // `local up --mode process` with super_pods x nodes_per_super_pod nodes and 1 s leases.
  CommandRun Up(int super_pods, int nodes_per_super_pod);
  CommandRun Down();
  // `flyover <args>`, args passed as given (the caller adds --data-dir where it applies).
  CommandRun Flyover(const std::string& args);
  // A client on the cluster's kubeconfig, unthrottled.
  absl::StatusOr<std::unique_ptr<kube::RestClient>> Client() const;
  // The tails of the nodesim, scheduler and operator logs, for failure messages.
  std::string ComponentLogs() const;

 private:
  LocalClusterOptions options_;
};

// The whole file; empty when it cannot be read.
std::string ReadWholeFile(const std::string& path);

// The pids of the processes whose working directory starts with `dir_prefix` (nodesim runs
// each pod's processes in its pod directory).
std::vector<int> PidsUnder(const std::string& dir_prefix);

// Polls the PostTrainingJob every 200 ms until `done(job)` or `timeout`; the last object read
// either way (empty when none could be read).
nlohmann::json WaitForJob(kube::RestClient& client, const std::string& ns,
                          const std::string& name, absl::Duration timeout,
                          const std::function<bool(const nlohmann::json&)>& done);

// The loss rank 0 reported at its clean exit, as the agent logged it ("rank exited" with
// rank=0 exit_code=0) in the container logs of the job's rank-0 pods (<job>-0-g<generation>);
// the last one read when there are several.
std::optional<std::string> FinalLossOfRankZero(const std::string& data_dir,
                                               const std::string& ns, const std::string& job);

}  // namespace flyover::local_cluster

#endif  // FLYOVER_TESTS_TESTING_LOCAL_CLUSTER_H_
