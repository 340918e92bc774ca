#include "kube/controller/controller_metrics.h"

#include "common/metrics_server.h"
#include "prometheus/family.h"

namespace flyover::kube {
namespace {

constexpr const char* kResultNames[] = {"success", "error", "requeue", "requeue_after"};

// Reconciles can take far longer than a request: the default buckets plus up to a minute.
prometheus::Histogram::BucketBoundaries ReconcileBuckets() {
  prometheus::Histogram::BucketBoundaries buckets = DefaultLatencyBuckets();
  buckets.insert(buckets.end(), {15, 30, 60});
  return buckets;
}

}  // namespace

ControllerMetrics::ControllerMetrics(const std::shared_ptr<prometheus::Registry>& registry,
                                     const std::string& controller,
                                     int max_concurrent_reconciles) {
  if (registry == nullptr) return;
  const prometheus::Labels labels = {{"controller", controller}};
  auto& results = prometheus::BuildCounter()
                      .Name("flyover_controller_reconcile_total")
                      .Help("Reconciles per controller, by result.")
                      .Register(*registry);
  for (int i = 0; i < 4; ++i) {
    results_[i] = &results.Add({{"controller", controller}, {"result", kResultNames[i]}});
  }
  errors_ = &prometheus::BuildCounter()
                 .Name("flyover_controller_reconcile_errors_total")
                 .Help("Reconciles that returned an error, per controller.")
                 .Register(*registry)
                 .Add(labels);
  terminal_errors_ = &prometheus::BuildCounter()
                          .Name("flyover_controller_terminal_reconcile_errors_total")
                          .Help("Reconciles that returned an error not worth retrying.")
                          .Register(*registry)
                          .Add(labels);
  duration_ = &prometheus::BuildHistogram()
                   .Name("flyover_controller_reconcile_duration_seconds")
                   .Help("Time spent in Reconcile, per controller.")
                   .Register(*registry)
                   .Add(labels, ReconcileBuckets());
  active_workers_ = &prometheus::BuildGauge()
                         .Name("flyover_controller_active_workers")
                         .Help("Workers currently running Reconcile, per controller.")
                         .Register(*registry)
                         .Add(labels);
  prometheus::BuildGauge()
      .Name("flyover_controller_max_concurrent_reconciles")
      .Help("Workers configured, per controller.")
      .Register(*registry)
      .Add(labels)
      .Set(max_concurrent_reconciles);
}

void ControllerMetrics::Observe(ReconcileResult result, absl::Duration duration) {
  if (duration_ == nullptr) return;
  results_[static_cast<int>(result)]->Increment();
  duration_->Observe(absl::ToDoubleSeconds(duration));
}

void ControllerMetrics::Error(bool terminal) {
  if (errors_ == nullptr) return;
  errors_->Increment();
  if (terminal) terminal_errors_->Increment();
}

void ControllerMetrics::WorkerStarted() {
  if (active_workers_ != nullptr) active_workers_->Increment();
}

void ControllerMetrics::WorkerFinished() {
  if (active_workers_ != nullptr) active_workers_->Decrement();
}

}  // namespace flyover::kube
