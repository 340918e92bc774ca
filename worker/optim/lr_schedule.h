// The learning-rate schedule: linear warmup from 0 to the peak over `warmup_steps`
// updates, then a cosine decay from the peak to `min_lr` at `total_steps`, flat after.
// Computed in double and rounded to float once, so it is a pure function of the step.
// Thread-safety: plain value.
#ifndef FLYOVER_WORKER_OPTIM_LR_SCHEDULE_H_
#define FLYOVER_WORKER_OPTIM_LR_SCHEDULE_H_

#include <cstdint>

namespace flyover::worker {

struct LrSchedule {
  double peak_lr = 0.003;
  double min_lr = 0.0;
  int64_t warmup_steps = 0;
  int64_t total_steps = 1;

  // The rate of update number `step` (1 = the first update).
  float At(int64_t step) const;
};

}  // namespace flyover::worker

#endif  // FLYOVER_WORKER_OPTIM_LR_SCHEDULE_H_
