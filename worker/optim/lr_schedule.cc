#include "worker/optim/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace flyover::worker {

float LrSchedule::At(int64_t step) const {
  if (warmup_steps > 0 && step <= warmup_steps) {
    return static_cast<float>(peak_lr * static_cast<double>(std::max<int64_t>(step, 0)) /
                              static_cast<double>(warmup_steps));
  }
  const int64_t decay_steps = std::max<int64_t>(total_steps - warmup_steps, 1);
  const double progress =
      std::min(1.0, static_cast<double>(step - warmup_steps) / static_cast<double>(decay_steps));
  return static_cast<float>(min_lr +
                            (peak_lr - min_lr) * 0.5 * (1.0 + std::cos(M_PI * progress)));
}

}  // namespace flyover::worker
