// The per-step loss check of the fault drill: the agents of a job append one JSON line per
// progress line that carries a loss to FLYOVER_LOSS_LOG (worker/main/agent_env.h):
//   {"rank":R,"generation":G,"step":S,"loss":L}
// A step replayed after a recovery is logged again; the line written last counts, since the
// run's result is what the step's last execution produced.
//
// ReadStepLosses: the last loss of every step of one rank, from the log's text (lines of
// other ranks, malformed lines and losses that are not numbers are skipped).
// CompareStepLosses: whether steps 1..steps have a loss in both logs and each is the same
// double bit for bit; `equal` counts the steps that are, `problem` names the first step that
// is missing or differs ("" when none).
#ifndef FLYOVER_BENCH_E2E_DRILL_LOSSES_H_
#define FLYOVER_BENCH_E2E_DRILL_LOSSES_H_

#include <cstdint>
#include <map>
#include <string>

namespace flyover::drill {

using StepLosses = std::map<int64_t, double>;

[[nodiscard]] StepLosses ReadStepLosses(const std::string& log_text, int rank);

struct LossComparison {
  int64_t equal = 0;
  std::string problem;
};

[[nodiscard]] LossComparison CompareStepLosses(const StepLosses& reference, const StepLosses& run,
                                               int64_t steps);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_LOSSES_H_
