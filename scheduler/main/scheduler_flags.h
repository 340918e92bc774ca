// Command-line flags of flyover-scheduler: `--name=value` or `--name value`; --help prints
// UsageText(). Parsing is a pure function, tested without running anything.
#ifndef FLYOVER_SCHEDULER_MAIN_SCHEDULER_FLAGS_H_
#define FLYOVER_SCHEDULER_MAIN_SCHEDULER_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flyover::sched {

struct SchedulerFlags {
  bool help = false;
  std::string kubeconfig;  // "" = $KUBECONFIG, then in-cluster
  std::string config_file;  // --config: settings read first (scheduler_config.h)
  std::string metrics_bind_address = "0.0.0.0";
  int metrics_port = 10259;
  bool leader_elect = false;
  std::string leader_elect_namespace = "kube-system";
  std::string leader_elect_id;  // "" = hostname and pid
  // client-go's defaults; see kube/controller/leader_elector.h.
  absl::Duration leader_elect_lease_duration = absl::Seconds(15);
  absl::Duration leader_elect_renew_deadline = absl::Seconds(10);
  absl::Duration leader_elect_retry_period = absl::Seconds(2);
  std::string scheduler_name = "flyover-scheduler";
  int spare_nodes_per_super_pod = 2;
  int bind_parallelism = 16;
  double qps = 500;
};

// InvalidArgument naming the flag for an unknown flag, a missing or malformed value, a port
// outside 0..65535, an empty scheduler name, a count out of range, or leader-election
// durations out of order (lease duration > renew deadline > retry period *
// kube::kLeaderElectJitter, the lease duration in whole seconds).
[[nodiscard]] absl::StatusOr<SchedulerFlags> ParseSchedulerFlags(
    const std::vector<std::string>& args);
[[nodiscard]] std::string UsageText();
// Whether `name` (without "--") is a flag ParseSchedulerFlags knows.
[[nodiscard]] bool IsSchedulerFlag(const std::string& name);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_MAIN_SCHEDULER_FLAGS_H_
