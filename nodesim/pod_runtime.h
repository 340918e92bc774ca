// PodRuntime: how the pods of one mode are brought to life. The PodController calls Sync()
// with the newest cached state of every pod bound to a simulated node whose mode the
// runtime serves, and Forget() when the pod has left the API; the runtime writes the pod's
// status (pods/status) and, for a pod being deleted, finishes the deletion.
//
// Implementations: SimulatedPodRuntime (simulated_pod_runtime.h), ProcessPodRuntime
// (process_pod_runtime.h). Thread-safety: Sync() and Forget() may be called from several
// threads at once, but never twice at once for one pod (the work queue's guarantee).
#ifndef FLYOVER_NODESIM_POD_RUNTIME_H_
#define FLYOVER_NODESIM_POD_RUNTIME_H_

#include <string>

#include "absl/status/statusor.h"
#include "kube/api/core/pod.h"
#include "kube/controller/controller.h"
#include "nodesim/topology_config.h"

namespace flyover::nodesim {

// The node a pod runs on, as the runtime needs it.
struct NodeRef {
  const SimNodeSpec* spec = nullptr;
  int index = 0;  // position in the topology
};

class PodRuntime {
 public:
  virtual ~PodRuntime() = default;
  // Makes the world match `pod` (key "namespace/name"); the Result asks to be called again
  // (e.g. when a simulated pod is due to succeed).
  [[nodiscard]] virtual absl::StatusOr<kube::Result> Sync(const std::string& key,
                                                          const kube::core::Pod& pod,
                                                          const NodeRef& node) = 0;
  // The pod `key` is gone from the API: release whatever it held.
  virtual void Forget(const std::string& key) = 0;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_POD_RUNTIME_H_
