// The fault drill's command line (fault_drill_main.cc documents the flags).
#ifndef FLYOVER_BENCH_E2E_DRILL_FLAGS_H_
#define FLYOVER_BENCH_E2E_DRILL_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/e2e/drill_plan.h"

namespace flyover::drill {

struct DrillFlags {
  int64_t steps = 1500;
  int faults = 5;
  std::vector<FaultKind> kinds = {FaultKind::kRankKill, FaultKind::kPodDelete,
                                  FaultKind::kNodeStop, FaultKind::kDeviceEcc};
  int runs = 1;
  uint64_t seed = 0;  // 0 = from the clock
  int super_pods = 2;
  int nodes_per_super_pod = 4;
  int backoff_max_seconds = 1;
  absl::Duration run_timeout = absl::Minutes(20);
  std::string work_dir;  // "" = a new directory under $TMPDIR (or /tmp)
  std::string json_out;
  bool keep_cluster = false;
  std::string flyover;    // the `flyover` binary; defaults to the one built beside
  std::string tiny_yaml;  // deploy/examples/tiny.yaml of the source tree
  bool help = false;      // --help or -h: print DrillUsage() and run nothing
};

// The flags and their defaults, as --help prints them.
[[nodiscard]] std::string DrillUsage();

// InvalidArgument naming the flag. Fills the defaults that depend on the environment,
// except after --help (then nothing else is read and no work directory is made).
[[nodiscard]] absl::StatusOr<DrillFlags> ParseDrillFlags(const std::vector<std::string>& args);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_FLAGS_H_
