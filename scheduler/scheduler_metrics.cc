#include "scheduler/scheduler_metrics.h"

#include <map>
#include <utility>

#include "common/metrics_server.h"

namespace flyover::sched {
namespace {

prometheus::Histogram::BucketBoundaries Buckets(double start, double factor, int count) {
  return ExponentialBuckets(start, factor, count).value_or(DefaultLatencyBuckets());
}

}  // namespace

int64_t FragmentedFreeDies(const ClusterSnapshot& snapshot) {
  struct Usage {
    int64_t free = 0;
    bool used = false;
  };
  std::map<int, Usage> super_pods;
  for (size_t i = 0; i < snapshot.node_count(); ++i) {
    const NodeInfo& node = snapshot.node(i);
    if (node.super_pod_id < 0) continue;
    Usage& usage = super_pods[node.super_pod_id];
    usage.used = usage.used || !node.used_dies.empty();
    if (node.ready && !node.unschedulable) usage.free += node.free().Count();
  }
  int64_t fragmented = 0;
  for (const auto& [id, usage] : super_pods) {
    if (usage.used) fragmented += usage.free;
  }
  return fragmented;
}

SchedulerMetrics::SchedulerMetrics(std::shared_ptr<prometheus::Registry> registry)
    : registry_(registry != nullptr ? std::move(registry)
                                    : std::make_shared<prometheus::Registry>()) {
  auto& attempts = prometheus::BuildCounter()
                       .Name("flyover_scheduler_schedule_attempts_total")
                       .Help("Gang scheduling attempts by result.")
                       .Register(*registry_);
  scheduled_ = &attempts.Add({{"result", "scheduled"}});
  unschedulable_ = &attempts.Add({{"result", "unschedulable"}});
  error_ = &attempts.Add({{"result", "error"}});
  bind_error_ = &attempts.Add({{"result", "bind_error"}});
  gang_duration_ =
      &prometheus::BuildHistogram()
           .Name("flyover_scheduler_gang_scheduling_duration_seconds")
           .Help("From the start of a gang's successful attempt to its last pod bound.")
           .Register(*registry_)
           .Add({}, Buckets(0.001, 2, 16));
  placement_duration_ = &prometheus::BuildHistogram()
                             .Name("flyover_scheduler_placement_duration_seconds")
                             .Help("Time PlaceGang took per attempt.")
                             .Register(*registry_)
                             .Add({}, Buckets(0.0001, 2, 16));
  unschedulable_gangs_ = &prometheus::BuildGauge()
                              .Name("flyover_scheduler_unschedulable_gangs")
                              .Help("Gangs parked as unschedulable.")
                              .Register(*registry_)
                              .Add({});
  pending_gangs_ = &prometheus::BuildGauge()
                        .Name("flyover_scheduler_pending_gangs")
                        .Help("Ready gangs waiting in the active queue.")
                        .Register(*registry_)
                        .Add({});
  fragmented_free_dies_ = &prometheus::BuildGauge()
                               .Name("flyover_scheduler_fragmented_free_dies")
                               .Help("Free dies in partly used physical super-pods.")
                               .Register(*registry_)
                               .Add({});
  super_pods_spanned_ =
      &prometheus::BuildHistogram()
           .Name("flyover_scheduler_gang_super_pods_spanned")
           .Help("Physical super-pods each placed gang spans.")
           .Register(*registry_)
           .Add({}, prometheus::Histogram::BucketBoundaries{1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128});
  over_lower_bound_ = &prometheus::BuildCounter()
                           .Name("flyover_scheduler_gang_super_pods_over_lower_bound_total")
                           .Help("Placed gangs spanning more super-pods than the lower bound.")
                           .Register(*registry_)
                           .Add({});
  pods_bound_ = &prometheus::BuildCounter()
                     .Name("flyover_scheduler_pods_bound_total")
                     .Help("Pods bound by this scheduler.")
                     .Register(*registry_)
                     .Add({});
}

void SchedulerMetrics::CountAttempt(absl::string_view result) {
  if (result == "scheduled")
    scheduled_->Increment();
  else if (result == "unschedulable")
    unschedulable_->Increment();
  else if (result == "bind_error")
    bind_error_->Increment();
  else
    error_->Increment();
}

void SchedulerMetrics::ObservePlacement(absl::Duration elapsed, const GangPlacement& placement) {
  placement_duration_->Observe(absl::ToDoubleSeconds(elapsed));
  super_pods_spanned_->Observe(placement.super_pods_spanned);
  if (placement.super_pods_spanned > placement.lower_bound_super_pods) {
    over_lower_bound_->Increment();
  }
}

void SchedulerMetrics::ObserveGangBound(absl::Duration since_attempt_start, size_t pods) {
  gang_duration_->Observe(absl::ToDoubleSeconds(since_attempt_start));
  pods_bound_->Increment(static_cast<double>(pods));
}

void SchedulerMetrics::SetQueueSizes(size_t pending, size_t unschedulable) {
  pending_gangs_->Set(static_cast<double>(pending));
  unschedulable_gangs_->Set(static_cast<double>(unschedulable));
}

void SchedulerMetrics::SetFragmentedFreeDies(int64_t dies) {
  fragmented_free_dies_->Set(static_cast<double>(dies));
}

}  // namespace flyover::sched
