// flyover-worker: the data plane's one binary.
//   flyover-worker agent      supervise this pod's ranks (environment: worker/main/agent_env.h)
//   flyover-worker rank       one training rank (environment: worker/train/rank_main.h)
//   flyover-worker local ...  a standalone run of N ranks (worker/main/commands.h)
// Exit codes: the agent's (worker/agent/agent.h), the rank's (rank_main.h); 2 for usage.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "worker/main/commands.h"
#include "worker/train/rank_main.h"

namespace {

constexpr char kUsage[] =
    "usage: flyover-worker agent\n"
    "       flyover-worker rank\n"
    "       flyover-worker local --ranks N [--ranks-per-pod K] --config FILE [--work-dir DIR]\n"
    "                            [--job NAME] [--kill-rank R --kill-at-step S] [--max-restarts M]\n";

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "agent" && argc == 2) return flyover::worker::RunAgentCommand();
  if (command == "rank" && argc == 2) return flyover::worker::RunRankProcess();
  if (command == "local") {
    absl::StatusOr<flyover::worker::LocalFlags> flags =
        flyover::worker::ParseLocalFlags(std::vector<std::string>(argv + 2, argv + argc));
    if (!flags.ok()) {
      std::fprintf(stderr, "flyover-worker local: %s\n%s", std::string(flags.status().message()).c_str(), kUsage);
      return 2;
    }
    return flyover::worker::RunLocalCommand(*flags);
  }
  const bool help = command == "--help" || command == "-h" || command == "help";
  std::fputs(kUsage, help ? stdout : stderr);
  return help ? 0 : 2;
}
