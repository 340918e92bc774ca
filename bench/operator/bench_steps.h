// The steps of operator_scale_bench: the local cluster, the peer figure (raw create + bind), a
// job applied until every pod runs, a node stopped until its pod's replacement runs, and the
// job deleted. Each step prints what went wrong on stderr and returns what it measured
// (durations of absl::InfiniteDuration() when a step timed out).
#ifndef FLYOVER_BENCH_OPERATOR_BENCH_STEPS_H_
#define FLYOVER_BENCH_OPERATOR_BENCH_STEPS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/operator/pod_tracker.h"
#include "kube/client/rest_client.h"

namespace flyover::bench {

class BenchCluster {
 public:
  explicit BenchCluster(std::string dir) : dir_(std::move(dir)), data_(dir_ + "/cluster") {}
  // `flyover local up` in simulated mode.
  absl::Status Up(int super_pods, int nodes_per_super_pod);
  // Stops the stopped components this process started, then `flyover local down`.
  absl::Status Down();
  // Replaces `up`'s "operator" or "scheduler" (SIGTERM by its pid file, which releases its
  // Lease) with one started here with the same flags plus `extra` (e.g. {"--qps", "1000"}).
  absl::Status RestartController(const std::string& component,
                                 const std::vector<std::string>& extra);
  // `flyover <args>`: its stdout, or an error with its stderr.
  absl::StatusOr<std::string> Flyover(const std::string& args);
  const std::string& data_dir() const { return data_; }
  kube::RestClient& client() { return *client_; }

 private:
  std::string dir_, data_;
  std::unique_ptr<kube::RestClient> client_;
  std::vector<pid_t> started_;
};

struct PeerResult {
  absl::Duration created = absl::InfiniteDuration();
  absl::Duration bound = absl::InfiniteDuration();
  absl::Duration running = absl::InfiniteDuration();
};
// 1,024 pods named <prefix><i>, created and bound to the i-th node by one thread; timed from
// the first create. The pods are deleted again before it returns.
PeerResult PeerCreateBind(BenchCluster& cluster, PodTracker& tracker, const std::string& prefix);

struct ApplyResult {
  int pods = 0;  // Running when the wait ended
  absl::Duration created = absl::InfiniteDuration();
  absl::Duration bound = absl::InfiniteDuration();
  absl::Duration running = absl::InfiniteDuration();
  absl::Duration phase_running = absl::InfiniteDuration();  // status.phase seen Running
};
// Applies large-1024.yaml as `job` and waits (2 min) for all its pods Running.
ApplyResult ApplyAndWaitRunning(BenchCluster& cluster, PodTracker& tracker, const std::string& job);

struct NodeLossResult {
  bool ok = false;
  std::string node;
  absl::Duration detected_seen = absl::InfiniteDuration();  // stop-node -> fault in status
  absl::Duration detected_at = absl::InfiniteDuration();    // stop-node -> its detectedAt
  // From the fault seen in status:
  absl::Duration replacement_bound = absl::InfiniteDuration();
  absl::Duration replacement_running = absl::InfiniteDuration();
  // From its detectedAt (whole seconds, so up to 1 s longer than from the event):
  absl::Duration replacement_running_after_detected_at = absl::InfiniteDuration();
};
// Stops the node of `rank`'s pod, waits for the fault and the replacement pod Running, then
// resumes the node.
NodeLossResult StopNodeAndWaitReplacement(BenchCluster& cluster, PodTracker& tracker,
                                          const std::string& job, int rank);

// Deletes the job and waits (2 min) until its pods are gone.
void DeleteJobAndWait(BenchCluster& cluster, PodTracker& tracker, const std::string& job);

}  // namespace flyover::bench

#endif  // FLYOVER_BENCH_OPERATOR_BENCH_STEPS_H_
