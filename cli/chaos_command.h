// `flyover chaos`: fault injection into a running flyover-nodesim through its loopback API
// (nodesim/chaos_server.h).
//
//   flyover chaos [--data-dir DIR | --endpoint HOST:PORT] kill-pod NS/NAME
//   ... stop-node NODE | partition-node NODE | resume-node NODE
//   ... slow-node NODE --factor F
//   ... state
//   ... npu-fault NODE --die N --kind KIND | npu-recover NODE [--die N]   (npu_chaos.h:
//       through the node's flyover-device-plugin instead of nodesim)
//
// The endpoint is read from DIR/run/nodesim.chaos (written by nodesim under `flyover local
// up`) unless --endpoint names it; DIR defaults to $FLYOVER_LOCAL_DIR. On success the
// injection's record is printed as "<time> <action> <target>: <detail>" (the time as RFC
// 3339 with milliseconds, as in DIR/logs/chaos.log); -o json prints the server's JSON.
#ifndef FLYOVER_CLI_CHAOS_COMMAND_H_
#define FLYOVER_CLI_CHAOS_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flyover::cli {

struct ChaosRequest {
  std::string endpoint;  // "host:port"; "" = read it from data_dir
  std::string data_dir;
  std::string method;    // "POST" or "GET"
  std::string target;    // "/chaos/stop-node?node=sp0-node01"
  bool json_output = false;
};

// Parses the words after "chaos" (with `env_dir` as the default data dir). InvalidArgument
// naming the action, argument or flag.
[[nodiscard]] absl::StatusOr<ChaosRequest> ParseChaosArgs(const std::vector<std::string>& args,
                                                          const std::string& env_dir);

int RunChaos(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_CHAOS_COMMAND_H_
