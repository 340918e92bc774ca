// SupervisionClient: the agent's side of the operator's supervision endpoint
// (docs/design/supervision.md section 2). Implementations: HttpSupervisionClient (the
// endpoint over HTTP), LocalSupervisor (an in-process stand-in for standalone runs) and
// FakeSupervisionClient (tests).
//
// Errors, by what the agent should do:
//   NotFound          FetchRankTable: the table is not complete yet; ask again
//   Unavailable       transport error, 5xx, 503 non-leader: retry later
//   Aborted           SendHeartbeat: 409, the pod's generation is superseded
//   Unauthenticated / PermissionDenied / InvalidArgument: stop and say why
// Thread-safety: implementations say; the agent calls from one thread.
#ifndef FLYOVER_WORKER_AGENT_SUPERVISION_CLIENT_H_
#define FLYOVER_WORKER_AGENT_SUPERVISION_CLIENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "worker/agent/supervision_types.h"

namespace flyover::worker {

class SupervisionClient {
 public:
  virtual ~SupervisionClient() = default;

  // The rank table's JSON text once it is complete; the server may hold the request up to
  // `wait` for it (a long poll). NotFound when it is still incomplete.
  [[nodiscard]] virtual absl::StatusOr<std::string> FetchRankTable(absl::Duration wait) = 0;

  // Posts one heartbeat; returns the commands for this pod, oldest first.
  [[nodiscard]] virtual absl::StatusOr<std::vector<Command>> SendHeartbeat(
      const Heartbeat& heartbeat) = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_SUPERVISION_CLIENT_H_
