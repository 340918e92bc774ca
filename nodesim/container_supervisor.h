// ContainerSupervisor: one container of a process-mode pod, run as the kubelet runs it.
// Its thread starts the command (process_launcher.h), waits for it, records the exit, and
// restarts it as restartPolicy says (Always: any exit; OnFailure: a non-zero exit; Never:
// no restart) after a CrashLoopBackOff delay: initial_backoff doubled per restart, capped
// at max_backoff, starting over after a run of backoff_reset. A command that cannot start
// terminates with exit code 128, reason "StartError".
//
// Status() is the container's ContainerStatus: state running / waiting (CrashLoopBackOff)
// / terminated, lastState.terminated of the previous run, restartCount. `on_change` is
// called (on the supervisor's thread, without its lock) after every change.
//
// Terminate() stops restarts and sends SIGTERM; Kill() sends SIGKILL. Run n of the
// container logs to <log_dir>/<n>.log.
//
// Thread-safety: all methods are thread-safe; Join() once, not from on_change.
#ifndef FLYOVER_NODESIM_CONTAINER_SUPERVISOR_H_
#define FLYOVER_NODESIM_CONTAINER_SUPERVISOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/api/core/container.h"
#include "nodesim/pod_env.h"
#include "nodesim/process_launcher.h"

namespace flyover::nodesim {

struct SupervisorOptions {
  absl::Duration initial_backoff = absl::Seconds(10);
  absl::Duration max_backoff = absl::Minutes(5);
  absl::Duration backoff_reset = absl::Minutes(10);
  Clock* clock = RealClock();  // not owned
};

struct ContainerLaunch {
  std::string name;
  std::string image;
  std::vector<std::string> argv;
  EnvList env;
  std::string cwd;
  std::string log_dir;
};

// Whether `policy` restarts a container that exited with `exit_code`.
[[nodiscard]] bool ShouldRestart(const std::string& policy, int exit_code);
// The wait before restart number `restarts` + 1.
[[nodiscard]] absl::Duration RestartBackoff(int restarts, const SupervisorOptions& options);

class ContainerSupervisor {
 public:
  ContainerSupervisor(ContainerLaunch launch, std::string restart_policy,
                      SupervisorOptions options, std::function<void()> on_change);
  ~ContainerSupervisor();
  ContainerSupervisor(const ContainerSupervisor&) = delete;
  ContainerSupervisor& operator=(const ContainerSupervisor&) = delete;

  void Start();
  void Terminate() ABSL_LOCKS_EXCLUDED(mu_);
  void Kill() ABSL_LOCKS_EXCLUDED(mu_);
  // Sends `signal` to the current run, if any, without changing what happens after it
  // exits (a SIGKILLed run restarts as restartPolicy says). Whether a run was signalled.
  bool Signal(int signal) ABSL_LOCKS_EXCLUDED(mu_);
  void Join();

  [[nodiscard]] kube::core::ContainerStatus Status() const ABSL_LOCKS_EXCLUDED(mu_);
  // Terminated for good (no restart will follow).
  [[nodiscard]] bool Finished() const ABSL_LOCKS_EXCLUDED(mu_);
  // The log of the current run, or of the one before with `previous`; "" if none.
  [[nodiscard]] std::string LogPath(bool previous) const ABSL_LOCKS_EXCLUDED(mu_);
  // Whether the current run is still going (for following logs).
  [[nodiscard]] bool Running() const ABSL_LOCKS_EXCLUDED(mu_);
  const std::string& name() const { return launch_.name; }

 private:
  void Run();
  // Runs the command once; returns the terminated state.
  kube::core::ContainerStateTerminated RunOnce(int run);
  // Waits out the backoff; false when terminated meanwhile.
  bool WaitBackoff(absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);

  const ContainerLaunch launch_;
  const std::string restart_policy_;
  const SupervisorOptions options_;
  const std::function<void()> on_change_;
  std::thread thread_;

  mutable absl::Mutex mu_;
  kube::core::ContainerStatus status_ ABSL_GUARDED_BY(mu_);
  LaunchedProcess* process_ ABSL_GUARDED_BY(mu_) = nullptr;
  bool terminating_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_CONTAINER_SUPERVISOR_H_
