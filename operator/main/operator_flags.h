// Command-line flags of flyover-operator: `--name=value` or `--name value`; --help prints
// UsageText(). Parsing is a pure function, tested without running anything.
#ifndef FLYOVER_OPERATOR_MAIN_OPERATOR_FLAGS_H_
#define FLYOVER_OPERATOR_MAIN_OPERATOR_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyover::op {

struct OperatorFlags {
  bool help = false;
  std::string kubeconfig;  // "" = $KUBECONFIG, then in-cluster
  std::string metrics_bind_address = "0.0.0.0";
  int metrics_port = 8080;
  std::string supervision_bind_address = "0.0.0.0";
  int supervision_port = 9443;
  std::string supervision_url;  // "" = derived (SupervisionUrl)
  // Listen on the supervision address only while leading (process mode's stand-in for a
  // Service that routes to the Ready replica): replicas share one fixed address.
  bool supervision_listen_only_while_leading = false;
  bool leader_elect = false;
  std::string leader_elect_namespace = "default";
  std::string leader_elect_id;  // "" = hostname and pid
  // client-go's defaults; see kube/controller/leader_elector.h.
  absl::Duration leader_elect_lease_duration = absl::Seconds(15);
  absl::Duration leader_elect_renew_deadline = absl::Seconds(10);
  absl::Duration leader_elect_retry_period = absl::Seconds(2);
  int workers = 4;
  double qps = 500;
};

// InvalidArgument naming the flag for an unknown flag, a missing or malformed value, a
// port outside 0..65535, leader-election durations out of order (they must satisfy lease
// duration > renew deadline > retry period * kube::kLeaderElectJitter, the lease duration in
// whole seconds), or --supervision-listen-only-while-leading without a fixed port.
absl::StatusOr<OperatorFlags> ParseOperatorFlags(const std::vector<std::string>& args);
std::string UsageText();

// The URL pods are told (FLYOVER_SUPERVISION_URL): --supervision-url if given; else
// http://<host>:<port> with host the bind address, or `pod_ip` (then 127.0.0.1) when it
// binds every address.
std::string SupervisionUrl(const OperatorFlags& flags, int port, absl::string_view pod_ip);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_MAIN_OPERATOR_FLAGS_H_
