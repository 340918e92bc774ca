// What `flyover-worker agent` reads from its environment (docs/design/supervision.md
// section 1), checked and turned into AgentOptions plus the supervision client's and the
// metrics server's settings.
//
//   required: FLYOVER_JOB, FLYOVER_RANK_INDEX, FLYOVER_REPLICAS, FLYOVER_NPUS_PER_REPLICA
//   optional: FLYOVER_GENERATION (0), RANK_TABLE_FILE (/user/serverid/devindex/config/hccl.json),
//             POD_NAME ("<job>-<rank index>"), ASCEND_VISIBLE_DEVICES ("0,1,..."),
//             FLYOVER_SUPERVISION_URL and FLYOVER_SUPERVISION_TOKEN,
//             FLYOVER_RENDEZVOUS (default: the supervision URL, else
//               "file:<directory of RANK_TABLE_FILE>/rendezvous"),
//             FLYOVER_AGENT_STATE_DIR (directory of RANK_TABLE_FILE): holds checkpoint-request,
//             FLYOVER_REPLICA_DIR (/dev/shm/flyover-replicas): where the pod's ranks keep
//               the cross-pod replicas they hold; memory-backed and as long-lived as the pod,
//             FLYOVER_HEARTBEAT_INTERVAL_MS (1000), FLYOVER_METRICS_PORT (9400; "off": none),
//             POD_IP (downward API): the metrics server binds there when set (an IPv4 or
//               IPv6 literal), else to every address (0.0.0.0),
//             FLYOVER_LOSS_LOG (none): a file the agent appends one JSON line to for every
//               progress line that carries a loss (format and contract: loss_log.h)
//
// Errors: InvalidArgument naming the variable and the reason.
#ifndef FLYOVER_WORKER_MAIN_AGENT_ENV_H_
#define FLYOVER_WORKER_MAIN_AGENT_ENV_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "worker/agent/agent.h"
#include "worker/agent/supervision_types.h"

namespace flyover::worker {

inline constexpr char kDefaultReplicaDir[] = "/dev/shm/flyover-replicas";

struct AgentSetup {
  AgentOptions options;
  std::string supervision_url;  // empty: no supervision
  std::string supervision_token;
  int metrics_port = 9400;      // -1: no metrics server
  std::string metrics_address = "0.0.0.0";  // POD_IP when set
  std::string loss_log;  // FLYOVER_LOSS_LOG; empty: none
};

[[nodiscard]] absl::StatusOr<AgentSetup> AgentSetupFromEnv(
    const std::map<std::string, std::string>& env);

// The process environment as a map.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MAIN_AGENT_ENV_H_
