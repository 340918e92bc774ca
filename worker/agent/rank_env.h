// The environment of one rank process (docs/design/supervision.md section 3), added to the
// agent's own. FLYOVER_REPORT_FD is the launcher's to set. FLYOVER_RESUME_STEP is always
// present: empty (removed) when the restart names no step, so the rank takes the newest
// complete state, memory first.
#ifndef FLYOVER_WORKER_AGENT_RANK_ENV_H_
#define FLYOVER_WORKER_AGENT_RANK_ENV_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flyover::worker {

struct RankEnvInput {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  int device_id = 0;
  int64_t generation = 0;
  std::optional<int64_t> resume_step;
  std::string rendezvous;               // empty: not set
  std::string checkpoint_request_file;  // empty: not set
  // Cross-pod in-memory replicas (rank_main.h): FLYOVER_RANKS_PER_POD and
  // FLYOVER_REPLICA_DIR, both set only when ranks_per_pod > 0 and replica_dir is not empty.
  int ranks_per_pod = 0;
  std::string replica_dir;
};

std::vector<std::pair<std::string, std::string>> RankEnvironment(const RankEnvInput& input);

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_RANK_ENV_H_
