#include "scheduler/cache/cache_handlers.h"

#include <string>
#include <utility>

#include "scheduler/cache/node_info.h"
#include "scheduler/cache/pod_info.h"

namespace flyover::sched {
namespace {

using kube::FuncEventHandler;
using kube::ObjectPtr;

// A handler that applies every add and update (deleted = false) and delete (true), then
// reports the change.
std::shared_ptr<kube::ResourceEventHandler> Handler(
    std::function<void(const ObjectPtr&, bool deleted)> apply, CacheChangeFunc on_change) {
  auto run = [apply = std::move(apply), on_change = std::move(on_change)](const ObjectPtr& o,
                                                                          bool deleted) {
    apply(o, deleted);
    if (on_change) on_change();
  };
  return std::make_shared<FuncEventHandler>(FuncEventHandler::Funcs{
      .on_add = [run](const ObjectPtr& o, bool) { run(o, false); },
      .on_update = [run](const ObjectPtr&, const ObjectPtr& o) { run(o, false); },
      .on_delete = [run](const ObjectPtr& o, bool) { run(o, true); }});
}

void ApplyNode(ClusterCache* cache, const ObjectPtr& object) {
  absl::StatusOr<NodeInfo> node = ParseNodeInfo(object->view());
  if (node.ok()) cache->UpsertNode(*std::move(node));
}

void ApplyPod(ClusterCache* cache, const ObjectPtr& object) {
  absl::StatusOr<PodInfo> pod = ParsePodInfo(object->view());
  if (pod.ok()) cache->UpsertPod(*pod);
}

void ApplyDeviceInfo(ClusterCache* cache, const ObjectPtr& object, bool deleted) {
  kube::JsonView meta = (*object)["metadata"];
  std::string node =
      DeviceInfoNodeName(meta["namespace"].string_value(), meta["name"].string_value());
  if (node.empty()) return;
  if (deleted) {
    cache->SetUnhealthyDies(node, topology::DieSet());
    return;
  }
  absl::StatusOr<topology::DieSet> unhealthy = ParseUnhealthyDies(object->view());
  if (unhealthy.ok()) cache->SetUnhealthyDies(node, *unhealthy);
}

}  // namespace

std::shared_ptr<kube::ResourceEventHandler> MakeNodeCacheHandler(ClusterCache* cache,
                                                                 CacheChangeFunc on_change) {
  return Handler(
      [cache](const ObjectPtr& o, bool deleted) {
        if (deleted) {
          cache->DeleteNode(std::string((*o)["metadata"]["name"].string_value()));
        } else {
          ApplyNode(cache, o);
        }
      },
      std::move(on_change));
}

std::shared_ptr<kube::ResourceEventHandler> MakePodCacheHandler(ClusterCache* cache,
                                                                CacheChangeFunc on_change) {
  return Handler(
      [cache](const ObjectPtr& o, bool deleted) {
        if (!deleted) return ApplyPod(cache, o);
        absl::StatusOr<std::string> key = kube::ObjectKey(o->view());
        if (key.ok()) cache->DeletePod(*key);
      },
      std::move(on_change));
}

std::shared_ptr<kube::ResourceEventHandler> MakeDeviceInfoCacheHandler(ClusterCache* cache,
                                                                       CacheChangeFunc on_change) {
  return Handler([cache](const ObjectPtr& o, bool deleted) { ApplyDeviceInfo(cache, o, deleted); },
                 std::move(on_change));
}

}  // namespace flyover::sched
