#include "worker/agent/rank_env.h"

#include "absl/strings/str_cat.h"

namespace flyover::worker {

std::vector<std::pair<std::string, std::string>> RankEnvironment(const RankEnvInput& input) {
  std::vector<std::pair<std::string, std::string>> env = {
      {"FLYOVER_RANK", absl::StrCat(input.rank)},
      {"FLYOVER_WORLD_SIZE", absl::StrCat(input.world_size)},
      {"FLYOVER_LOCAL_RANK", absl::StrCat(input.local_rank)},
      {"FLYOVER_DEVICE_ID", absl::StrCat(input.device_id)},
      {"FLYOVER_GENERATION", absl::StrCat(input.generation)},
  };
  // An empty value removes the variable from the inherited environment (see
  // PosixRankLauncher), so a stale FLYOVER_RESUME_STEP never leaks into a fresh start.
  env.emplace_back("FLYOVER_RESUME_STEP",
                   input.resume_step.has_value() ? absl::StrCat(*input.resume_step) : "");
  if (!input.rendezvous.empty()) env.emplace_back("FLYOVER_RENDEZVOUS", input.rendezvous);
  if (!input.checkpoint_request_file.empty()) {
    env.emplace_back("FLYOVER_CHECKPOINT_REQUEST_FILE", input.checkpoint_request_file);
  }
  if (input.ranks_per_pod > 0 && !input.replica_dir.empty()) {
    env.emplace_back("FLYOVER_RANKS_PER_POD", absl::StrCat(input.ranks_per_pod));
    env.emplace_back("FLYOVER_REPLICA_DIR", input.replica_dir);
  }
  return env;
}

}  // namespace flyover::worker
