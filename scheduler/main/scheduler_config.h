// flyover-scheduler's --config FILE: a YAML map whose keys are the scheduler's flag names
// (without "--") and whose values are scalars, for example the chart's ConfigMap:
//
//   scheduler-name: flyover-scheduler
//   leader-elect: true
//   spare-nodes-per-super-pod: 2
//   qps: 500
//
// Every flag but help and config may appear; its value is checked exactly as on the command
// line. Flags given on the command line override the file's.
//
// Errors: InvalidArgument naming the file and the key: an unknown key, a value that is not a
// scalar, YAML that does not parse or is not a map; a file that cannot be read keeps its
// status, annotated with "--config <file>".
// Thread-safety: pure functions.
#ifndef FLYOVER_SCHEDULER_MAIN_SCHEDULER_CONFIG_H_
#define FLYOVER_SCHEDULER_MAIN_SCHEDULER_CONFIG_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "scheduler/main/scheduler_flags.h"

namespace flyover::sched {

// The file's settings as command-line arguments ("--<key>=<value>", in file order).
// `source` names the file in errors.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> SchedulerConfigArgs(
    absl::string_view yaml, absl::string_view source);

using ReadFileFn = std::function<absl::StatusOr<std::string>(const std::string& path)>;

// The flags of `args` with the --config file among them applied first: the file's settings,
// then the command line's.
[[nodiscard]] absl::StatusOr<SchedulerFlags> LoadSchedulerFlags(
    const std::vector<std::string>& args, const ReadFileFn& read_file);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_MAIN_SCHEDULER_CONFIG_H_
