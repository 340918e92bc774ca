// The scheduling framework: an explicit plugin registry and the entry points.
//
// Contract (the Kubernetes half, module `scheduler`, builds on this):
//   * Build a Registry with plugins::NewDefaultRegistry(options) (scheduler/plugins/
//     default_registry.h), add Reserve/Permit/Bind plugins of its own (cache assume, binder),
//     then make a Scheduler from it. The registry's order is the call order.
//   * Scheduler::PlaceGang(snapshot, gang) is pure: it reads the snapshot, runs PreFilter, then
//     the Place plugin (which calls Filter and Score through a PlacementContext), and returns a
//     GangPlacement for every pod of the gang, or an Unschedulable status (IsUnschedulable) with a
//     message for users, or InvalidArgument for a request that can never be placed. It never
//     returns a partial placement, so competing gangs never hold part of the cluster each.
//   * Scheduler::Commit(gang, placement) runs Reserve (every plugin), Permit (every plugin) and
//     Bind (see plugin.h). On the first failure it Unreserves, in reverse order, every plugin
//     whose Reserve succeeded, and returns that failure annotated with the plugin's name.
//   * Scheduler::Less orders gangs with the QueueSort plugin.
//
// Threading: a Scheduler is immutable after construction; PlaceGang and Less may run
// concurrently. Commit's thread-safety is that of the registered Reserve/Permit/Bind plugins.
#ifndef FLYOVER_SCHEDULER_FRAMEWORK_FRAMEWORK_H_
#define FLYOVER_SCHEDULER_FRAMEWORK_FRAMEWORK_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/cycle_state.h"
#include "scheduler/framework/gang_request.h"
#include "scheduler/framework/placement.h"
#include "scheduler/framework/plugin.h"

namespace flyover::sched {

struct SchedulerOptions {
  // Wholly free nodes kept per physical super-pod for replacements; a gang's own
  // spare_nodes_per_super_pod may raise it for the super-pods that gang uses, never lower it.
  int spare_nodes_per_super_pod = topology::kDefaultSpareNodes;
  // Nodes a physical super-pod holds at most. Placement itself counts the nodes it sees; this is
  // for callers that report capacity (metrics, messages of their own).
  int super_pod_nodes = topology::kDefaultSuperPodNodes;
};

// The plugins of one scheduler, by extension point, in registration order. Owns them; a plugin
// implementing several points is registered once and appears in each list it implements.
class PluginSet {
 public:
  struct WeightedScore {
    const ScorePlugin* plugin;
    int64_t weight;
  };

  // Registers `plugin` at every extension point it implements (dynamic_cast), with `weight` for
  // Score. Returns the plugin. InvalidArgument (via status()) if a second QueueSort or Place
  // plugin is added.
  Plugin* Add(std::unique_ptr<Plugin> plugin, int64_t score_weight = 1);
  // OK, or the first registration error.
  absl::Status status() const { return status_; }

  const QueueSortPlugin* queue_sort() const { return queue_sort_; }
  const std::vector<const PreFilterPlugin*>& pre_filters() const { return pre_filters_; }
  const std::vector<const FilterPlugin*>& filters() const { return filters_; }
  const std::vector<WeightedScore>& scores() const { return scores_; }
  const PlacePlugin* place() const { return place_; }
  const std::vector<ReservePlugin*>& reserves() const { return reserves_; }
  const std::vector<PermitPlugin*>& permits() const { return permits_; }
  const std::vector<BindPlugin*>& binds() const { return binds_; }

 private:
  std::vector<std::unique_ptr<Plugin>> owned_;
  absl::Status status_;
  const QueueSortPlugin* queue_sort_ = nullptr;
  std::vector<const PreFilterPlugin*> pre_filters_;
  std::vector<const FilterPlugin*> filters_;
  std::vector<WeightedScore> scores_;
  const PlacePlugin* place_ = nullptr;
  std::vector<ReservePlugin*> reserves_;
  std::vector<PermitPlugin*> permits_;
  std::vector<BindPlugin*> binds_;
};

// The registry is the plugin set a scheduler is built from.
using Registry = PluginSet;

class Scheduler {
 public:
  // FailedPrecondition if the registry has a registration error or no Place plugin.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Scheduler>> Create(
      std::unique_ptr<Registry> registry, SchedulerOptions options = {});

  [[nodiscard]] absl::StatusOr<GangPlacement> PlaceGang(const ClusterSnapshot& snapshot,
                                                        const GangRequest& gang) const;
  [[nodiscard]] absl::Status Commit(const GangRequest& gang, const GangPlacement& placement);
  // QueueSort; without a QueueSort plugin: higher priority, then older, then key.
  bool Less(const GangRequest& a, const GangRequest& b) const;

  const SchedulerOptions& options() const { return options_; }
  const PluginSet& plugins() const { return *plugins_; }

 private:
  Scheduler(std::unique_ptr<Registry> registry, SchedulerOptions options)
      : plugins_(std::move(registry)), options_(options) {}

  std::unique_ptr<PluginSet> plugins_;
  SchedulerOptions options_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_FRAMEWORK_FRAMEWORK_H_
