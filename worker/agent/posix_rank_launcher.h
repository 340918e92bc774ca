// PosixRankLauncher: the RankLauncher of real processes. Each rank is posix_spawn()ed with
// the launcher's environment plus the spec's, and a pipe whose write end is the child's
// fd 3 (FLYOVER_REPORT_FD=3); every other descriptor the agent holds is close-on-exec, so
// a rank's pipe closes when it exits. Poll() waits on the pipes with poll(2), splits what
// arrives into lines, and reaps exits with waitpid(WNOHANG), draining a rank's pipe before
// reporting its exit. A line longer than 1 MiB is cut there.
//
// The destructor SIGKILLs and reaps every rank still running.
// Thread-safety: one thread uses a launcher. Children are reaped by pid only, so other
// code in the process may spawn and reap its own children.
#ifndef FLYOVER_WORKER_AGENT_POSIX_RANK_LAUNCHER_H_
#define FLYOVER_WORKER_AGENT_POSIX_RANK_LAUNCHER_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "worker/agent/rank_launcher.h"

namespace flyover::worker {

inline constexpr int kReportFd = 3;

class PosixRankLauncher final : public RankLauncher {
 public:
  PosixRankLauncher() = default;
  ~PosixRankLauncher() override;
  PosixRankLauncher(const PosixRankLauncher&) = delete;
  PosixRankLauncher& operator=(const PosixRankLauncher&) = delete;

  absl::Status Start(const RankLaunchSpec& spec) override;
  absl::Status Signal(int local_rank, int signal) override;
  std::vector<LauncherEvent> Poll(absl::Duration timeout) override;
  bool Running(int local_rank) const override;

 private:
  struct Process {
    pid_t pid = -1;
    int read_fd = -1;  // -1 once the pipe reached end of file
    std::string partial;
    bool running = false;
  };

  // Reads what `process`'s pipe holds now, appending whole lines to `out`.
  void Drain(int local_rank, Process& process, std::vector<LauncherEvent>& out);
  void ReapExits(std::vector<LauncherEvent>& out);

  std::map<int, Process> processes_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_POSIX_RANK_LAUNCHER_H_
