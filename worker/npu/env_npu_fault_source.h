// EnvNpuFaultSource: faults scheduled by training step from a spec string, for standalone
// runs and chaos tests without a device plugin. The spec normally comes from the
// environment variable FLYOVER_NPU_FAULT:
//
//   spec      = entry *(";" entry)            empty or unset: no faults
//   entry     = kind [":" value] *("@" qualifier)
//   kind      = "hang" | "slow" | "ecc" | "linkdown" | "overheat"    (any case)
//   value     = slow, overheat: the slowdown factor, >= 1 (default 2)
//               ecc: the device buffer id hit (default: the next buffer a kernel reads)
//   qualifier = "step=" FROM ["-" TO]   active for steps FROM..TO inclusive; no TO: for
//                                       good; no step qualifier: from step 0
//             | "die=" ID               only die ID; default: every die of the process
//
//   FLYOVER_NPU_FAULT='hang@step=120'                    die hangs from step 120 on
//   FLYOVER_NPU_FAULT='slow:2.5@step=10-20@die=1'        die 1 runs 2.5x slower, steps 10..20
//   FLYOVER_NPU_FAULT='ecc@step=50;linkdown@step=60-70'  an ECC error at step 50, then a link
//
// Each entry's fault has the code "env-<index>-<kind>" (index counts entries from 0), so
// an ECC entry fires once when its range starts (the backend applies ECC edge-triggered).
// The die is Unhealthy while any fault other than slow is active. Levels are empty.
//
// Errors: Parse returns InvalidArgument naming the bad entry. Poll never fails.
// Thread-safety: immutable after construction; Poll is safe from any thread.
#ifndef FLYOVER_WORKER_NPU_ENV_NPU_FAULT_SOURCE_H_
#define FLYOVER_WORKER_NPU_ENV_NPU_FAULT_SOURCE_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "worker/npu/npu_fault.h"

namespace flyover::worker {

class EnvNpuFaultSource final : public NpuFaultSource {
 public:
  static constexpr const char* kVariable = "FLYOVER_NPU_FAULT";

  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EnvNpuFaultSource>> Parse(
      absl::string_view spec);
  // Parses the variable `variable` of the process environment; unset means no faults.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EnvNpuFaultSource>> FromEnvironment(
      const char* variable = kVariable);

  absl::StatusOr<DieState> Poll(int die_id, int64_t step) override;

 private:
  struct Entry {
    NpuFault fault;
    int64_t from = 0;
    int64_t to = std::numeric_limits<int64_t>::max();
    std::optional<int> die;
  };

  explicit EnvNpuFaultSource(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  static absl::StatusOr<Entry> ParseEntry(absl::string_view text, int index);

  const std::vector<Entry> entries_;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_NPU_ENV_NPU_FAULT_SOURCE_H_
