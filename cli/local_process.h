// The per-component steps of `flyover local up|down` shared by the fixed components
// (apiserver, nodesim) and the per-node device plugins: find a component's live process
// by its pid file, start it unless it runs, wait for it to become ready.
//
// Progress goes to `err` as "<component>: ..." lines. Thread-compatible.
#ifndef FLYOVER_CLI_LOCAL_PROCESS_H_
#define FLYOVER_CLI_LOCAL_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/local_flags.h"

namespace flyover::cli {

// The pid of `component` when its pid file names a live process of its binary.
[[nodiscard]] std::optional<pid_t> RunningPid(const LocalLayout& layout,
                                              const Component& component);

// Starts `component` as `argv` unless it runs; its pid, and whether it was started now.
// NotFound when argv[0] does not exist.
[[nodiscard]] absl::StatusOr<std::pair<pid_t, bool>> EnsureComponent(
    const LocalLayout& layout, const Component& component, const std::vector<std::string>& argv,
    std::ostream& err);

// Polls `ready` every 50 ms until it is OK; Unavailable when `pid` exits first,
// DeadlineExceeded (with ready's last message) at `deadline`.
[[nodiscard]] absl::Status WaitFor(const std::string& what, pid_t pid, absl::Time deadline,
                                   const std::function<absl::Status()>& ready);

// Stops `component` if it runs (daemon.h's StopProcess with a 15 s grace) and removes its
// pid file. False when the process would not die (the pid file is kept).
bool StopComponent(const LocalLayout& layout, const Component& component, std::ostream& err);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_LOCAL_PROCESS_H_
