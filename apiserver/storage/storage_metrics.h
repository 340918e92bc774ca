// StorageMetrics: the Prometheus metrics of the API server's storage.
//
//   flyover_apiserver_storage_commits_total{result="success|error"}  group commits
//   flyover_apiserver_storage_commit_batch_size                     mutations per commit
//   flyover_apiserver_storage_commit_duration_seconds                one commit, fsync included
//   flyover_apiserver_storage_watchers                               open watchers
//   flyover_apiserver_storage_watchers_dropped_total                 watchers ended because
//                                                                    their queue overflowed
//   flyover_apiserver_storage_compacted_changes_total                changes discarded
//
// Every series exists at zero from construction. A null registry, or one that already holds
// these names with other types (logged), gives metrics that record nothing.
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_APISERVER_STORAGE_STORAGE_METRICS_H_
#define FLYOVER_APISERVER_STORAGE_STORAGE_METRICS_H_

#include <cstddef>
#include <memory>

#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace flyover::apiserver::storage {

class StorageMetrics {
 public:
  explicit StorageMetrics(std::shared_ptr<prometheus::Registry> registry);

  void Committed(bool ok, size_t batch_size, absl::Duration latency);
  void WatcherOpened();
  void WatcherClosed();
  void WatcherDropped();
  void Compacted(int64_t changes);

 private:
  std::shared_ptr<prometheus::Registry> registry_;  // keeps the metrics below alive
  prometheus::Counter* commits_ok_ = nullptr;
  prometheus::Counter* commits_failed_ = nullptr;
  prometheus::Histogram* batch_size_ = nullptr;
  prometheus::Histogram* commit_seconds_ = nullptr;
  prometheus::Gauge* watchers_ = nullptr;
  prometheus::Counter* dropped_ = nullptr;
  prometheus::Counter* compacted_ = nullptr;
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_STORAGE_METRICS_H_
