// RankLauncher: starts, signals and watches the rank processes of one pod for the agent.
// Each rank occupies a slot, its local index. The launcher hands back what the ranks wrote
// on their report pipe (FLYOVER_REPORT_FD), line by line, and their exits; every line of a
// process is delivered before its exit.
//
// Implementations: PosixRankLauncher (real processes), FakeRankLauncher (tests).
// Thread-safety: one thread uses a launcher.
#ifndef FLYOVER_WORKER_AGENT_RANK_LAUNCHER_H_
#define FLYOVER_WORKER_AGENT_RANK_LAUNCHER_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace flyover::worker {

struct RankLaunchSpec {
  int local_rank = 0;
  // The program and its arguments; argv[0] is the executable's path.
  std::vector<std::string> argv;
  // Added to (or replacing in) the launcher's own environment; an empty value removes the
  // variable. FLYOVER_REPORT_FD is set by the launcher.
  std::vector<std::pair<std::string, std::string>> env;
};

struct LauncherEvent {
  enum class Kind { kLine, kExit };
  Kind kind = Kind::kLine;
  int local_rank = 0;
  std::string line;              // kLine: one line without its '\n'
  std::optional<int> exit_code;  // kExit: set when the process exited
  std::optional<int> signal;     // kExit: set when a signal killed it
};

class RankLauncher {
 public:
  virtual ~RankLauncher() = default;

  // Starts the process of slot spec.local_rank. FailedPrecondition if that slot's process
  // is still running; the OS's error if it cannot be started.
  [[nodiscard]] virtual absl::Status Start(const RankLaunchSpec& spec) = 0;

  // Sends `signal` to the slot's process. NotFound if it is not running.
  [[nodiscard]] virtual absl::Status Signal(int local_rank, int signal) = 0;

  // Waits up to `timeout` for lines or exits and returns those that happened. Returns
  // early (possibly with nothing) when the process receives a signal.
  virtual std::vector<LauncherEvent> Poll(absl::Duration timeout) = 0;

  // Whether the slot's process has been started and its exit not yet returned by Poll.
  virtual bool Running(int local_rank) const = 0;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_AGENT_RANK_LAUNCHER_H_
