#include "bench/e2e/drill_flags.h"

#include <stdlib.h>

#include <cstdlib>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace flyover::drill {
namespace {

template <typename T>
absl::Status Positive(const std::string& flag, const std::string& value, T* out) {
  if (!absl::SimpleAtoi(value, out) || *out <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": \"", value, "\" is not a positive integer"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> NewWorkDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/fault-drill.XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError("--work-dir: cannot create a directory like " + pattern);
  }
  return pattern;
}

absl::Status Apply(DrillFlags& f, const std::string& flag, const std::string& value) {
  if (flag == "--steps") return Positive(flag, value, &f.steps);
  if (flag == "--faults") return Positive(flag, value, &f.faults);
  if (flag == "--runs") return Positive(flag, value, &f.runs);
  if (flag == "--seed") return Positive(flag, value, &f.seed);
  if (flag == "--super-pods") return Positive(flag, value, &f.super_pods);
  if (flag == "--nodes-per-super-pod") return Positive(flag, value, &f.nodes_per_super_pod);
  if (flag == "--backoff-max-seconds") return Positive(flag, value, &f.backoff_max_seconds);
  if (flag == "--work-dir") f.work_dir = value;
  else if (flag == "--json-out") f.json_out = value;
  else if (flag == "--flyover") f.flyover = value;
  else if (flag == "--tiny") f.tiny_yaml = value;
  else if (flag == "--kinds") {
    absl::StatusOr<std::vector<FaultKind>> kinds = ParseKinds(value);
    if (!kinds.ok()) return kinds.status();
    f.kinds = *kinds;
  } else if (flag == "--run-timeout") {
    if (!absl::ParseDuration(value, &f.run_timeout) || f.run_timeout <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(flag, ": \"", value, "\" is not a positive duration"));
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": unknown flag"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DrillUsage() {
  return "usage: fault_drill [--steps 1500] [--faults 5]\n"
         "                   [--kinds rank-kill,pod-delete,node-stop,device-ecc] [--runs 1]\n"
         "                   [--seed N (default: from the clock)] [--super-pods 2]\n"
         "                   [--nodes-per-super-pod 4] [--backoff-max-seconds 1]\n"
         "                   [--run-timeout 20m] [--work-dir DIR (default: a new one in $TMPDIR)]\n"
         "                   [--json-out FILE] [--keep-cluster] [--flyover BIN] [--tiny FILE]\n"
         "Runs the tiny job fault-free, then --runs times with --faults faults at random steps,\n"
         "on a `flyover local up --mode process` cluster in DIR/cluster; checks each faulted\n"
         "run's loss and final checkpoint against the fault-free run's bit for bit.\n"
         "--flyover defaults to " FLYOVER_BINARY ",\n--tiny to " FLYOVER_TINY_EXAMPLE_FILE ".\n"
         "Exit status: 0 every check passed, 1 one failed, 2 bad flags or no cluster.\n";
}

absl::StatusOr<DrillFlags> ParseDrillFlags(const std::vector<std::string>& args) {
  DrillFlags flags{.flyover = FLYOVER_BINARY, .tiny_yaml = FLYOVER_TINY_EXAMPLE_FILE};
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      flags.help = true;
      return flags;
    }
    if (args[i] == "--keep-cluster") {
      flags.keep_cluster = true;
      continue;
    }
    if (i + 1 >= args.size()) return absl::InvalidArgumentError(args[i] + ": needs a value");
    if (absl::Status applied = Apply(flags, args[i], args[i + 1]); !applied.ok()) return applied;
    ++i;
  }
  if (flags.seed == 0) flags.seed = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()) % 1000000007);
  if (flags.work_dir.empty()) {
    absl::StatusOr<std::string> dir = NewWorkDir();
    if (!dir.ok()) return dir.status();
    flags.work_dir = *dir;
  }
  return flags;
}

}  // namespace flyover::drill
