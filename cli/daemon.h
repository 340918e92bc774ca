// Background processes of `flyover local`: started detached (own session, stdin from
// /dev/null, stdout and stderr appended to a log file), remembered by pid file, found again
// by a later `flyover` invocation and stopped by pid.
//
// A pid is only trusted while /proc/<pid> is a live (not zombie) process whose executable
// has the expected name, so a stale pid file never makes us signal an unrelated process.
// Errors name the file or the binary and the reason. Thread-compatible.
#ifndef FLYOVER_CLI_DAEMON_H_
#define FLYOVER_CLI_DAEMON_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flyover::cli {

// Starts argv (argv[0] a path) as its own session with output appended to `log_path`.
// Returns its pid; Internal when fork fails. An exec failure shows as a quick exit.
[[nodiscard]] absl::StatusOr<pid_t> SpawnDaemon(const std::vector<std::string>& argv,
                                                const std::string& log_path);

// Whether `pid` is alive and not a zombie, and (when `binary` is not empty) its
// executable's file name is `binary`.
[[nodiscard]] bool IsRunning(pid_t pid, const std::string& binary = "");

// The pid in `path`; nullopt when the file is missing or holds no pid.
[[nodiscard]] std::optional<pid_t> ReadPidFile(const std::string& path);
// Writes "<pid>\n" to `path` (temp file and rename).
[[nodiscard]] absl::Status WritePidFile(const std::string& path, pid_t pid);

// SIGTERM, up to `grace` for the process to go, then SIGKILL to its process group and up
// to 5 s more. True when it is gone. Reaps it if it is our child.
bool StopProcess(pid_t pid, absl::Duration grace);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed), for a
// child that must be told its port. Unavailable when no socket can be bound.
[[nodiscard]] absl::StatusOr<int> FreeLoopbackPort();

// The directory of the running executable (/proc/self/exe), to find sibling binaries.
[[nodiscard]] std::string SelfDirectory();

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_DAEMON_H_
