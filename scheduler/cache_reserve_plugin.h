// CacheReservePlugin: the Reserve extension point of flyover-scheduler. Reserve assumes every
// pod of a placement in the ClusterCache (all or none: on a refusal the pods assumed so far are
// forgotten), so the next cycle sees their dies as taken before any binding is observed;
// Unreserve forgets them.
//
// Thread-safety: as the cache (thread-safe). The cache is borrowed.
#ifndef FLYOVER_SCHEDULER_CACHE_RESERVE_PLUGIN_H_
#define FLYOVER_SCHEDULER_CACHE_RESERVE_PLUGIN_H_

#include "scheduler/cache/cluster_cache.h"
#include "scheduler/framework/plugin.h"

namespace flyover::sched {

class CacheReservePlugin final : public ReservePlugin {
 public:
  explicit CacheReservePlugin(ClusterCache* cache) : cache_(cache) {}

  absl::string_view Name() const override { return "cache_reserve"; }
  absl::Status Reserve(CycleState& state, const GangRequest& gang,
                       const GangPlacement& placement) override;
  void Unreserve(CycleState& state, const GangRequest& gang,
                 const GangPlacement& placement) override;

 private:
  ClusterCache* const cache_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_CACHE_RESERVE_PLUGIN_H_
