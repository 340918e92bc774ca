// `flyover chaos npu-fault|npu-recover`: faults of a process node's emulated NPUs, posted
// to that node's flyover-device-plugin fault-control endpoint (device-plugin/fault_control.h).
//
//   flyover chaos [--data-dir DIR] [-o json] npu-fault NODE --die N --kind KIND
//   flyover chaos [--data-dir DIR] [-o json] npu-recover NODE [--die N] [--clear-isolation]
//
// KIND is a fault_model.h name (hbm_ecc_double_bit, link_down, chip_hang, ...; the plugin
// rejects others and lists the known ones). npu-recover without --die recovers every die
// with an active fault. The endpoint is read from DIR/run/device-plugin-<NODE>.fault
// (written by `flyover local up --mode process`); DIR defaults to $FLYOVER_LOCAL_DIR.
// Each success is appended to DIR/logs/chaos.log in nodesim's line format
//   2026-01-01T00:00:00.123Z action=npu-fault target=sp0-node01 detail="die 3: link_down"
// and printed as "<time> <action> <target>: <detail>" (-o json: the plugin's answer).
#ifndef FLYOVER_CLI_NPU_CHAOS_H_
#define FLYOVER_CLI_NPU_CHAOS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace flyover::cli {

struct NpuChaosRequest {
  std::string data_dir;
  std::string action;  // "npu-fault" or "npu-recover"
  std::string node;
  int die = -1;        // -1: every faulted die (npu-recover only)
  std::string kind;    // npu-fault only
  bool clear_isolation = false;
  bool json_output = false;
};

// Whether `args` (the words after "chaos") name an NPU action.
[[nodiscard]] bool IsNpuChaos(const std::vector<std::string>& args);

// InvalidArgument naming the action, argument or flag.
[[nodiscard]] absl::StatusOr<NpuChaosRequest> ParseNpuChaosArgs(
    const std::vector<std::string>& args, const std::string& env_dir);

// One chaos log line, with its newline, as nodesim's ChaosRecord::LogLine writes it.
[[nodiscard]] std::string ChaosLogLine(absl::Time time, const std::string& action,
                                       const std::string& target, const std::string& detail);

// The first word of the file at `path` ("127.0.0.1:PORT"); NotFound naming it otherwise.
[[nodiscard]] absl::StatusOr<std::string> ReadEndpointFile(const std::string& path);

// `method` `path` with `body` (POST only) at http://`endpoint`: the JSON of a 200 answer;
// Unavailable when unreachable, else the server's error and HTTP code.
[[nodiscard]] absl::StatusOr<nlohmann::json> CallFaultControl(const std::string& endpoint,
                                                              const std::string& method,
                                                              const std::string& path,
                                                              const nlohmann::json& body = {});

// Runs a parsed request; the exit code (1 on failure, the reason on `err`).
int RunNpuChaos(const NpuChaosRequest& request, std::ostream& out, std::ostream& err);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_NPU_CHAOS_H_
