// The fault drill's verdicts and tables, as pure functions of the runs' results.
//
// CheckRun lists what is wrong with one faulted run (empty = it passed):
//   - the job did not reach Succeeded, or its status.step is not `steps`;
//   - an injection failed, or left no record in status.faults, or was not recovered;
//   - a record (other than a report-only Straggler) lacks detectedAt, recoveryLevel,
//     recoveredAt or recoveryMillis;
//   - rank 0's final loss differs from the reference's (or either is unknown);
//   - `checkpoints_equal` is not OK (the final checkpoint's shards differ from the
//     reference's byte for byte).
//
// DistributionTable prints, per fault kind, the distributions (drill_plan.h) of the times
// measured from outside (injection -> first record in status; injection -> recovered) and
// of the operator's own detectionMillis / recoveryMillis, beside the targets: detection
// p99 <= 2 s; recovery p99 <= 10 s in place (rank-kill), <= 20 s by reschedule (the rest).
#ifndef FLYOVER_BENCH_E2E_DRILL_REPORT_H_
#define FLYOVER_BENCH_E2E_DRILL_REPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/e2e/drill_run.h"
#include "nlohmann/json.hpp"

namespace flyover::drill {

[[nodiscard]] std::vector<std::string> CheckRun(const RunResult& run, int64_t steps,
                                                const std::optional<std::string>& final_loss,
                                                const std::optional<std::string>& reference_loss,
                                                const absl::Status& checkpoints_equal);

[[nodiscard]] std::string DistributionTable(const std::vector<RunResult>& runs);

// One line per injected fault: kind, planned and actual step, target, times, records.
[[nodiscard]] std::string FaultLines(const RunResult& run);

// The run as JSON: {"job", "phase", "faults": [{"kind", "plannedStep", "step", "target",
// "error", "seenSeconds", "recoveredSeconds", "records"}]}.
[[nodiscard]] nlohmann::json RunJson(const RunResult& run);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_REPORT_H_
