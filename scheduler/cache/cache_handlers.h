// Event handlers that keep a ClusterCache in step with the informers of Nodes, Pods and the
// device plugin's device-info ConfigMaps (any namespace; only kube-system/mindx-dl-deviceinfo-*
// count). Each handler parses the object and applies it; `on_change` (may be empty) runs after
// every applied notification, so the scheduler can retry unschedulable gangs.
//
// Objects that do not parse are skipped (a Node or Pod without a name cannot occur in a
// working API server; a malformed device-info ConfigMap leaves the node's last known health).
//
// Thread-safety: the handlers may run on informer threads concurrently; the cache is
// thread-safe and `on_change` must be too. The cache is borrowed and must outlive them.
#ifndef FLYOVER_SCHEDULER_CACHE_CACHE_HANDLERS_H_
#define FLYOVER_SCHEDULER_CACHE_CACHE_HANDLERS_H_

#include <functional>
#include <memory>

#include "kube/cache/event_handler.h"
#include "scheduler/cache/cluster_cache.h"

namespace flyover::sched {

using CacheChangeFunc = std::function<void()>;

[[nodiscard]] std::shared_ptr<kube::ResourceEventHandler> MakeNodeCacheHandler(
    ClusterCache* cache, CacheChangeFunc on_change = nullptr);
[[nodiscard]] std::shared_ptr<kube::ResourceEventHandler> MakePodCacheHandler(
    ClusterCache* cache, CacheChangeFunc on_change = nullptr);
[[nodiscard]] std::shared_ptr<kube::ResourceEventHandler> MakeDeviceInfoCacheHandler(
    ClusterCache* cache, CacheChangeFunc on_change = nullptr);

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_CACHE_CACHE_HANDLERS_H_
