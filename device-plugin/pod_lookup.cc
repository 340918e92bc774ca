#include "device-plugin/pod_lookup.h"

#include <tuple>

#include "absl/strings/numbers.h"
#include "common/status.h"
#include "common/topology.h"
#include "kube/api/core/object_codecs.h"
#include "kube/client/typed_client.h"

namespace flyover::deviceplugin {
namespace {

int DiesOf(const kube::core::ResourceList& list) {
  auto it = list.find(std::string(topology::kResourceName));
  int count = 0;
  if (it == list.end() || !absl::SimpleAtoi(it->second, &count) || count < 0) return 0;
  return count;
}

}  // namespace

NodePod ToNodePod(const kube::core::Pod& pod) {
  NodePod out{.namespace_ = pod.metadata.namespace_, .name = pod.metadata.name};
  for (const kube::core::Container& container : pod.spec.containers) {
    int dies = DiesOf(container.resources.limits);
    if (dies == 0) dies = DiesOf(container.resources.requests);
    if (dies > 0 && out.container.empty()) out.container = container.name;
    out.requested_dies += dies;
  }
  auto annotation = pod.metadata.annotations.find(std::string(topology::kAnnotationDevices));
  if (annotation != pod.metadata.annotations.end()) out.annotation = annotation->second;
  if (pod.metadata.creation_timestamp) out.created = *pod.metadata.creation_timestamp;
  out.terminal = pod.status.phase == kube::core::kPodSucceeded ||
                 pod.status.phase == kube::core::kPodFailed ||
                 pod.metadata.deletion_timestamp.has_value();
  return out;
}

absl::StatusOr<std::vector<NodePod>> ApiPodLookup::PodsOnNode() {
  kube::TypedClient<kube::core::Pod> pods(client_);
  ASSIGN_OR_RETURN(kube::TypedList<kube::core::Pod> list,
                   pods.List("", {.field_selector = "spec.nodeName=" + node_name_}));
  std::vector<NodePod> out;
  for (const kube::core::Pod& pod : list.items) {
    if (pod.spec.node_name == node_name_) out.push_back(ToNodePod(pod));
  }
  return out;
}

const NodePod* SelectPodForAllocation(const std::vector<NodePod>& pods, int count,
                                      const std::set<std::string>& holding) {
  const NodePod* best = nullptr;
  for (const NodePod& pod : pods) {
    if (pod.terminal || !pod.annotation || pod.requested_dies != count ||
        holding.contains(pod.Key())) {
      continue;
    }
    if (best == nullptr ||
        std::tie(pod.created, pod.namespace_, pod.name) <
            std::tie(best->created, best->namespace_, best->name)) {
      best = &pod;
    }
  }
  return best;
}

}  // namespace flyover::deviceplugin
