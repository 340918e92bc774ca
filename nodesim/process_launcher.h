// LaunchedProcess: one run of a container's command as a local process. The process gets
// its own process group (so signals reach its children too), runs in `cwd` with exactly
// `env`, and its stdout and stderr are read by a pump thread that appends each line to
// `log_path` in the CRI log format (log_format.h), timestamped on arrival.
//
// When the main process exits, the rest of its process group is killed, as a container's
// processes die with it. Start() fails (with the exec error) when the command cannot run.
//
// Thread-safety: Wait() from one thread; Signal() from any thread, also during Wait().
// The destructor SIGKILLs a process still running and reaps it.
#ifndef FLYOVER_NODESIM_PROCESS_LAUNCHER_H_
#define FLYOVER_NODESIM_PROCESS_LAUNCHER_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "nodesim/pod_env.h"

namespace flyover::nodesim {

struct LaunchSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in env's PATH when it has no '/'
  EnvList env;
  std::string cwd;
  std::string log_path;
  Clock* clock = RealClock();  // stamps log lines
};

class LaunchedProcess {
 public:
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LaunchedProcess>> Start(
      const LaunchSpec& spec);
  ~LaunchedProcess();
  LaunchedProcess(const LaunchedProcess&) = delete;
  LaunchedProcess& operator=(const LaunchedProcess&) = delete;

  // Blocks until the process exits; returns its waitpid status. Then kills what is left of
  // its group and waits for the log pump to drain. Call once.
  int Wait();
  // Sends `signal` to the process group (no-op once it has been reaped).
  void Signal(int signal);
  pid_t pid() const { return pid_; }

 private:
  LaunchedProcess(pid_t pid, int out_fd, int err_fd, const LaunchSpec& spec);
  void Pump(int out_fd, int err_fd, std::string log_path, Clock* clock);

  const pid_t pid_;
  std::atomic<bool> reaped_{false};
  std::thread pump_;
};

// Exit code as the kubelet reports it: the code, or 128 + the signal number.
[[nodiscard]] int ExitCodeOf(int wait_status);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_PROCESS_LAUNCHER_H_
