#include "scheduler/cache_reserve_plugin.h"

#include <vector>

namespace flyover::sched {

absl::Status CacheReservePlugin::Reserve(CycleState&, const GangRequest& gang,
                                         const GangPlacement& placement) {
  std::vector<PlacedPod> pods = placement.ToPlacedPods(gang);
  for (size_t i = 0; i < pods.size(); ++i) {
    if (absl::Status status = cache_->AssumePod(pods[i]); !status.ok()) {
      for (size_t j = 0; j < i; ++j) cache_->ForgetPod(pods[j].Key());
      return status;
    }
  }
  return absl::OkStatus();
}

void CacheReservePlugin::Unreserve(CycleState&, const GangRequest& gang,
                                   const GangPlacement& placement) {
  for (const PlacedPod& pod : placement.ToPlacedPods(gang)) cache_->ForgetPod(pod.Key());
}

}  // namespace flyover::sched
