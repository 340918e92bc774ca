#include "kube/cache/workqueue_metrics.h"

#include <exception>
#include <utility>

#include "common/log.h"

namespace flyover::kube {
namespace {

// 1 us .. 10 s by decades, as client-go's workqueue histograms span.
prometheus::Histogram::BucketBoundaries DurationBuckets() {
  return {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0};
}

}  // namespace

WorkQueueMetrics::WorkQueueMetrics(std::shared_ptr<prometheus::Registry> registry,
                                   const std::string& name) {
  if (registry == nullptr) return;
  const prometheus::Labels labels = {{"name", name}};
  try {
    prometheus::Gauge& depth = prometheus::BuildGauge()
                                   .Name("flyover_workqueue_depth")
                                   .Help("Keys waiting in the work queue to be processed.")
                                   .Register(*registry)
                                   .Add(labels);
    prometheus::Counter& adds = prometheus::BuildCounter()
                                    .Name("flyover_workqueue_adds_total")
                                    .Help("Adds that queued a key in the work queue.")
                                    .Register(*registry)
                                    .Add(labels);
    prometheus::Counter& retries = prometheus::BuildCounter()
                                       .Name("flyover_workqueue_retries_total")
                                       .Help("Rate-limited re-adds to the work queue.")
                                       .Register(*registry)
                                       .Add(labels);
    prometheus::Histogram& queue_duration =
        prometheus::BuildHistogram()
            .Name("flyover_workqueue_queue_duration_seconds")
            .Help("Time a key waits in the work queue before a worker takes it.")
            .Register(*registry)
            .Add(labels, DurationBuckets());
    prometheus::Histogram& work_duration =
        prometheus::BuildHistogram()
            .Name("flyover_workqueue_work_duration_seconds")
            .Help("Time a worker spends on a key, from Get to Done.")
            .Register(*registry)
            .Add(labels, DurationBuckets());
    depth_ = &depth;
    adds_ = &adds;
    retries_ = &retries;
    queue_duration_ = &queue_duration;
    work_duration_ = &work_duration;
    registry_ = std::move(registry);
  } catch (const std::exception& e) {
    log::Error("work queue metrics disabled", {{"queue", name}, {"error", e.what()}});
  }
}

void WorkQueueMetrics::SetDepth(size_t depth) {
  if (depth_ != nullptr) depth_->Set(static_cast<double>(depth));
}

void WorkQueueMetrics::Added() {
  if (adds_ != nullptr) adds_->Increment();
}

void WorkQueueMetrics::Retried() {
  if (retries_ != nullptr) retries_->Increment();
}

void WorkQueueMetrics::ObserveQueueDuration(absl::Duration d) {
  if (queue_duration_ != nullptr) queue_duration_->Observe(absl::ToDoubleSeconds(d));
}

void WorkQueueMetrics::ObserveWorkDuration(absl::Duration d) {
  if (work_duration_ != nullptr) work_duration_->Observe(absl::ToDoubleSeconds(d));
}

}  // namespace flyover::kube
