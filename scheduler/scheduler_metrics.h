// SchedulerMetrics: flyover-scheduler's Prometheus metrics, every label set created at zero.
//
//   flyover_scheduler_schedule_attempts_total{result}   scheduled | unschedulable | error |
//                                                       bind_error, one per gang attempt
//   flyover_scheduler_gang_scheduling_duration_seconds  per bound gang: from the attempt's
//                                                       start to its last pod bound
//   flyover_scheduler_placement_duration_seconds        per attempt: PlaceGang alone
//   flyover_scheduler_unschedulable_gangs               gangs parked as unschedulable
//   flyover_scheduler_pending_gangs                     ready gangs waiting in the queue
//   flyover_scheduler_fragmented_free_dies              free dies in partly used super-pods
//   flyover_scheduler_gang_super_pods_spanned           per placed gang: physical super-pods
//   flyover_scheduler_gang_super_pods_over_lower_bound_total  placed gangs that span more
//                                                       super-pods than the lower bound
//   flyover_scheduler_pods_bound_total
//
// Thread-safety: all methods are thread-safe (prometheus-cpp metrics are).
#ifndef FLYOVER_SCHEDULER_SCHEDULER_METRICS_H_
#define FLYOVER_SCHEDULER_SCHEDULER_METRICS_H_

#include <memory>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "scheduler/framework/cluster_snapshot.h"
#include "scheduler/framework/placement.h"

namespace flyover::sched {

// Free dies (on Ready, schedulable nodes) summed over the physical super-pods that are partly
// used: some die of the super-pod is held by a pod and some die is free. Nodes without a
// super-pod id are left out.
[[nodiscard]] int64_t FragmentedFreeDies(const ClusterSnapshot& snapshot);

class SchedulerMetrics {
 public:
  // `registry` may be null: the metrics then live in a private registry nobody scrapes.
  explicit SchedulerMetrics(std::shared_ptr<prometheus::Registry> registry);

  // result: "scheduled", "unschedulable", "error", "bind_error".
  void CountAttempt(absl::string_view result);
  void ObservePlacement(absl::Duration elapsed, const GangPlacement& placement);
  void ObserveGangBound(absl::Duration since_attempt_start, size_t pods);
  void SetQueueSizes(size_t pending, size_t unschedulable);
  void SetFragmentedFreeDies(int64_t dies);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter* scheduled_;
  prometheus::Counter* unschedulable_;
  prometheus::Counter* error_;
  prometheus::Counter* bind_error_;
  prometheus::Histogram* gang_duration_;
  prometheus::Histogram* placement_duration_;
  prometheus::Gauge* unschedulable_gangs_;
  prometheus::Gauge* pending_gangs_;
  prometheus::Gauge* fragmented_free_dies_;
  prometheus::Histogram* super_pods_spanned_;
  prometheus::Counter* over_lower_bound_;
  prometheus::Counter* pods_bound_;
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_SCHEDULER_METRICS_H_
