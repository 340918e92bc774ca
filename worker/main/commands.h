// The subcommands of flyover-worker (main.cc dispatches):
//   agent   one per pod: AgentSetupFromEnv, then Agent::Run (worker/agent/agent.h)
//   local   a standalone run: N ranks on N/K emulated pods in this process (LocalFlags)
// `rank` is RunRankProcess (worker/train/rank_main.h). Each returns the process exit code.
#ifndef FLYOVER_WORKER_MAIN_COMMANDS_H_
#define FLYOVER_WORKER_MAIN_COMMANDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flyover::worker {

int RunAgentCommand();

// `local --ranks N [--ranks-per-pod K] --config FILE [--work-dir DIR] [--job NAME]
//  [--kill-rank R | --kill-pod P] [--kill-at-step S] [--max-restarts M]`; flags take
// "--f V" or "--f=V". Each emulated pod P keeps its cross-pod replicas in
// <work-dir>/pod-P/replicas (emptied when the run starts: new pods hold nothing);
// --kill-pod SIGKILLs every rank of pod P at step S and deletes that directory (the pod
// and its memory are lost). With inMemoryReplicas > 0 and two pods or more, restarts name
// no resume step (the ranks take the newest complete state, memory first).
struct LocalFlags {
  int ranks = 0;
  int ranks_per_pod = 0;  // 0: all ranks in one pod
  std::string config;
  std::string work_dir;   // empty: a new directory under /tmp
  std::string job = "local";
  int kill_rank = -1;
  int kill_pod = -1;
  int64_t kill_at_step = -1;
  int max_restarts = 3;
};
// InvalidArgument naming the flag: unknown flags, missing values, --ranks < 1, no
// --config, a ranks-per-pod that does not divide ranks, --kill-rank outside the ranks,
// --kill-pod outside the pods, both of them, or either without --kill-at-step.
[[nodiscard]] absl::StatusOr<LocalFlags> ParseLocalFlags(const std::vector<std::string>& args);
int RunLocalCommand(const LocalFlags& flags);

// The path of the running executable (/proc/self/exe resolved).
std::string SelfExecutable();

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_MAIN_COMMANDS_H_
