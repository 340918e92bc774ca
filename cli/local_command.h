// `flyover local up|down|status` (local_flags.h has the flags and the directory layout):
// a local Flyover cluster of flyover-apiserver, flyover-nodesim and, for each process-mode
// node, a flyover-device-plugin (device_plugins.h), each a background process in its own
// session, found next to the flyover binary.
//
// up: starts what is not running (a live pid file means running: it is reported and left
//   alone), waits for DIR/kubeconfig and the API, applies the CRDs, waits until nodesim's
//   nodes are registered, starts the process nodes' device plugins and waits until each
//   node's allocatable huawei.com/Ascend910 is reported by its plugin (none in simulated
//   mode), then prints the status on `err` and `export KUBECONFIG=...` on `out` (so
//   `eval "$(flyover local up ...)"` works).
// down: stops the device plugins, then the components in reverse order by pid (SIGTERM,
//   15 s, SIGKILL), and removes their pid files. Exit code 1 if a process would not die.
// status: one line per component and device plugin (or that there are none) and the API
//   URL; exit code 3 unless all are running.
//
// Progress and errors go to `err`, each error naming the component or file and the reason.
#ifndef FLYOVER_CLI_LOCAL_COMMAND_H_
#define FLYOVER_CLI_LOCAL_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace flyover::cli {

// `args` are the words after "local". Returns the exit code.
int RunLocal(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_LOCAL_COMMAND_H_
