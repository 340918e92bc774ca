// PodLookup: how Allocate finds the pod a container belongs to. The device-plugin protocol
// names only device ids, so, as MindCluster's plugin does, Allocate looks for a pod bound to
// this node that requests that many huawei.com/Ascend910 and carries the scheduler's
// annotation, and hands that pod the dies the annotation names.
//
// ApiPodLookup lists the node's pods through the API (fieldSelector spec.nodeName=<node>);
// tests run it against kube/testing's FakeApiServer. SelectPodForAllocation is the pure
// choice among them: the oldest (then by name) live pod with the annotation whose request
// equals the container's, not already holding dies.
//
// Thread-safety: ApiPodLookup is as thread-safe as its RestClient (which is).
#ifndef FLYOVER_DEVICE_PLUGIN_POD_LOOKUP_H_
#define FLYOVER_DEVICE_PLUGIN_POD_LOOKUP_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kube/api/core/pod.h"
#include "kube/client/rest_client.h"

namespace flyover::deviceplugin {

// What Allocate needs of one pod on this node.
struct NodePod {
  std::string namespace_;
  std::string name;
  std::string container;   // the first container requesting the resource
  int requested_dies = 0;  // sum over containers (limits, else requests)
  std::optional<std::string> annotation;  // huawei.com/Ascend910, verbatim
  absl::Time created = absl::InfinitePast();
  bool terminal = false;  // Succeeded, Failed, or being deleted
  std::string Key() const { return namespace_ + "/" + name; }
};

class PodLookup {
 public:
  virtual ~PodLookup() = default;
  // The pods bound to this node. Errors are the API client's.
  [[nodiscard]] virtual absl::StatusOr<std::vector<NodePod>> PodsOnNode() = 0;
};

class ApiPodLookup final : public PodLookup {
 public:
  // Borrows `client`, which must outlive the lookup.
  ApiPodLookup(kube::RestClient* client, std::string node_name)
      : client_(client), node_name_(std::move(node_name)) {}
  absl::StatusOr<std::vector<NodePod>> PodsOnNode() override;

 private:
  kube::RestClient* const client_;
  const std::string node_name_;
};

// A pod's NPU view; an unparsable quantity counts as 0 dies.
NodePod ToNodePod(const kube::core::Pod& pod);

// The pod a `count`-die container most likely belongs to, or null.
const NodePod* SelectPodForAllocation(const std::vector<NodePod>& pods, int count,
                                      const std::set<std::string>& holding);

}  // namespace flyover::deviceplugin

#endif  // FLYOVER_DEVICE_PLUGIN_POD_LOOKUP_H_
