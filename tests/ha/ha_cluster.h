// A `flyover local up` cluster of simulated nodes for the high-availability tests, plus a
// second flyover-operator replica started beside the one `up` runs (the same command line:
// kubeconfig, Lease default/flyover-operator, leader-election timings and the shared
// supervision address of run/operator.supervision), readers for the Lease and the job's
// pods, and a client of the supervision endpoint as an agent in a pod would use it.
//
// The cluster is sized for deploy/examples/large-1024.yaml: 1,024 pods of 16 dies in blocks
// of 8 nodes within a super-pod, 2 spare nodes per super-pod. With 48-node super-pods each
// holds 5 blocks (40 nodes), so 26 super-pods (1,248 nodes) hold the 128 blocks.
//
// Not thread-safe; one cluster per data directory. Errors name the step and the reason.
#ifndef FLYOVER_TESTS_HA_HA_CLUSTER_H_
#define FLYOVER_TESTS_HA_HA_CLUSTER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace flyover::ha {

inline constexpr int kLargeSuperPods = 26;
inline constexpr int kLargeNodesPerSuperPod = 48;
inline constexpr char kOperatorLease[] = "flyover-operator";

// What the Lease default/flyover-operator says.
struct LeaseView {
  std::string holder;
  absl::Time renew_time = absl::InfinitePast();
  absl::Time acquire_time = absl::InfinitePast();
  int lease_duration_seconds = 0;
  int transitions = 0;
};

// The job's pods as the API lists them (label training.flyover.dev/job-name).
struct PodCensus {
  int pods = 0;
  int bound = 0;    // spec.nodeName set
  int running = 0;  // status.phase Running
};

class HaCluster {
 public:
  // `dir` holds the cluster (dir/cluster) and the command logs.
  explicit HaCluster(std::string dir);
  ~HaCluster();  // stops the standby operator if it still runs

  // `flyover local up` in simulated mode with the given topology.
  absl::Status Up(int super_pods, int nodes_per_super_pod);
  absl::Status Down();
  // Runs `flyover <args>` against the cluster; its stdout, or an error with its stderr.
  absl::StatusOr<std::string> Flyover(const std::string& args);

  // Starts a second flyover-operator with `up`'s flags, logging to logs/operator-standby.log.
  absl::Status StartStandbyOperator();
  pid_t standby_pid() const { return standby_pid_; }
  // The pid `up` recorded for its operator.
  absl::StatusOr<pid_t> PrimaryOperatorPid() const;
  // The identity a flyover-operator with default flags campaigns under.
  static std::string IdentityOf(pid_t pid);

  const std::string& data_dir() const { return data_; }
  kube::RestClient& client() { return *client_; }

  absl::StatusOr<LeaseView> OperatorLease();
  absl::StatusOr<std::vector<nlohmann::json>> JobPods(const std::string& job);
  absl::StatusOr<PodCensus> Census(const std::string& job);
  // Whether any pod of the job exists (one cheap list request of one item).
  absl::StatusOr<bool> AnyPodOf(const std::string& job);

  // The job's supervision token (Secret <job>-supervision in "default").
  absl::StatusOr<std::string> SupervisionToken(const std::string& job);
  // GET <url>/v1/jobs/default.<job>/ranktable with the token, as an agent does: the HTTP
  // status (*body its body), or Unavailable when nothing answers at `url`.
  absl::StatusOr<int> FetchRankTable(const std::string& url, const std::string& job,
                                     const std::string& token, std::string* body);
  // Applies the manifest at `path` (its first document) and returns the created job.
  absl::StatusOr<nlohmann::json> ApplyJob(const std::string& path);

  // The tail of each component's log, for failure messages.
  std::string ComponentLogs() const;

 private:
  std::string dir_;
  std::string data_;
  pid_t standby_pid_ = -1;
  std::unique_ptr<kube::RestClient> client_;
};

}  // namespace flyover::ha

#endif  // FLYOVER_TESTS_HA_HA_CLUSTER_H_
