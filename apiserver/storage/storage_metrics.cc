#include "apiserver/storage/storage_metrics.h"

#include <exception>
#include <utility>

#include "common/log.h"
#include "common/metrics_server.h"

namespace flyover::apiserver::storage {
namespace {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Histogram::BucketBoundaries BatchSizeBuckets() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
}

// 0.5 ms to ~4 s: an fsync on a fast disk up to a stalled one.
prometheus::Histogram::BucketBoundaries CommitBuckets() {
  return *ExponentialBuckets(0.0005, 2, 14);
}

}  // namespace

StorageMetrics::StorageMetrics(std::shared_ptr<prometheus::Registry> registry) {
  if (registry == nullptr) return;
  try {
    auto& commits = CounterFamily(*registry, "flyover_apiserver_storage_commits_total",
                                  "Group commits of the storage's write batches, by result.");
    commits_ok_ = &commits.Add({{"result", "success"}});
    commits_failed_ = &commits.Add({{"result", "error"}});
    batch_size_ = &prometheus::BuildHistogram()
                       .Name("flyover_apiserver_storage_commit_batch_size")
                       .Help("Mutations grouped into one commit.")
                       .Register(*registry)
                       .Add({}, BatchSizeBuckets());
    commit_seconds_ = &prometheus::BuildHistogram()
                           .Name("flyover_apiserver_storage_commit_duration_seconds")
                           .Help("Time to apply and durably commit one batch.")
                           .Register(*registry)
                           .Add({}, CommitBuckets());
    watchers_ = &prometheus::BuildGauge()
                     .Name("flyover_apiserver_storage_watchers")
                     .Help("Open storage watchers.")
                     .Register(*registry)
                     .Add({});
    dropped_ = &CounterFamily(*registry, "flyover_apiserver_storage_watchers_dropped_total",
                              "Watchers terminated because they fell behind and their event "
                              "queue overflowed.")
                    .Add({});
    compacted_ = &CounterFamily(*registry, "flyover_apiserver_storage_compacted_changes_total",
                                "Superseded changes discarded by compaction.")
                      .Add({});
    registry_ = std::move(registry);
  } catch (const std::exception& e) {
    *this = StorageMetrics(nullptr);
    log::Error("storage metrics disabled", {{"error", e.what()}});
  }
}

void StorageMetrics::Committed(bool ok, size_t batch_size, absl::Duration latency) {
  if (registry_ == nullptr) return;
  (ok ? commits_ok_ : commits_failed_)->Increment();
  batch_size_->Observe(static_cast<double>(batch_size));
  commit_seconds_->Observe(absl::ToDoubleSeconds(latency));
}

void StorageMetrics::WatcherOpened() {
  if (watchers_ != nullptr) watchers_->Increment();
}

void StorageMetrics::WatcherClosed() {
  if (watchers_ != nullptr) watchers_->Decrement();
}

void StorageMetrics::WatcherDropped() {
  if (dropped_ != nullptr) dropped_->Increment();
}

void StorageMetrics::Compacted(int64_t changes) {
  if (compacted_ != nullptr) compacted_->Increment(static_cast<double>(changes));
}

}  // namespace flyover::apiserver::storage
