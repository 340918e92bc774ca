// InformerMetrics: the Prometheus metrics of one informer's reflector and store, labelled
// {resource="<resource>"}:
//
//   flyover_reflector_lists_total{result="success|error"}     list calls
//   flyover_reflector_relists_total                           lists after the first sync
//                                                             (a 410 made the cache relist)
//   flyover_reflector_watches_total                           watch calls
//   flyover_reflector_watch_restarts_total{reason}            watches that ended and were
//       restarted: closed (by the server, normally), error, expired (410), too_short
//   flyover_reflector_watch_events_total{type}                events received, by type:
//       added, modified, deleted, bookmark, error
//   flyover_reflector_stale_events_total                      events dropped as replays
//   flyover_informer_objects                                  objects in the store
//
// Every series exists at zero from construction; informers in one registry share the
// families. A null registry, or one that holds these names with other types (logged), gives
// metrics that record nothing.
//
// Thread-safety: all methods are thread-safe.
#ifndef FLYOVER_KUBE_CACHE_INFORMER_METRICS_H_
#define FLYOVER_KUBE_CACHE_INFORMER_METRICS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "kube/cache/lister_watcher.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"

namespace flyover::kube {

enum class WatchEndReason { kClosed, kError, kExpired, kTooShort };

class InformerMetrics {
 public:
  InformerMetrics(std::shared_ptr<prometheus::Registry> registry, const std::string& resource);

  void Listed(bool ok);
  void Relisted();
  void Watched();
  void WatchEnded(WatchEndReason reason);
  void Event(WatchEventType type);
  void StaleEvent();
  void SetObjects(size_t count);

 private:
  static void Increment(prometheus::Counter* counter) {
    if (counter != nullptr) counter->Increment();
  }

  std::shared_ptr<prometheus::Registry> registry_;  // keeps the metrics below alive
  prometheus::Counter* lists_ok_ = nullptr;
  prometheus::Counter* lists_failed_ = nullptr;
  prometheus::Counter* relists_ = nullptr;
  prometheus::Counter* watches_ = nullptr;
  prometheus::Counter* restarts_[4] = {};  // by WatchEndReason
  prometheus::Counter* events_[5] = {};    // by WatchEventType
  prometheus::Counter* stale_ = nullptr;
  prometheus::Gauge* objects_ = nullptr;
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CACHE_INFORMER_METRICS_H_
