// PodController: the one pod watch of nodesim. A single informer lists and watches pods
// with spec.nodeName set (field selector "spec.nodeName!=") and keeps only those bound to a
// simulated node (client-side filter, so a server that ignores the selector costs memory,
// not correctness); a Controller's workers hand each pod's newest state to the runtime of
// its mode (the pod's nodesim.flyover.dev/mode annotation, else its node's mode), and tell
// the runtime to Forget() pods that left the API.
//
// A pod on a node that the ChaosState silences (stopped, partitioned) is not synced: its
// status stays as the API last saw it until the fault is cleared.
//
// A pod whose mode annotation is invalid is reported once in the log and left alone.
//
// Ownership: borrows the RestClient, the runtimes and the clock, which must outlive it.
// Thread-safety: Start()/Stop() from one thread.
#ifndef FLYOVER_NODESIM_POD_CONTROLLER_H_
#define FLYOVER_NODESIM_POD_CONTROLLER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "common/clock.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/stop_signal.h"
#include "kube/client/rest_client.h"
#include "kube/controller/controller.h"
#include "nodesim/chaos_state.h"
#include "nodesim/pod_runtime.h"
#include "nodesim/topology_config.h"
#include "prometheus/registry.h"

namespace flyover::nodesim {

struct PodControllerOptions {
  int workers = 8;
  Clock* clock = RealClock();  // not owned
  std::shared_ptr<prometheus::Registry> registry;  // null: no metrics
  absl::Duration cache_sync_timeout = absl::Minutes(2);
  // Pods of nodes it silences are not synced (retried every silence_recheck); null: none.
  const ChaosState* chaos = nullptr;  // not owned
  absl::Duration silence_recheck = absl::Seconds(1);
};

class PodController {
 public:
  // `simulated` and `process` serve the two modes; `process` may be null (process pods
  // are then left Pending with a log line).
  PodController(kube::RestClient* client, const std::vector<SimNodeSpec>* nodes,
                PodRuntime* simulated, PodRuntime* process, PodControllerOptions options);
  ~PodController();
  PodController(const PodController&) = delete;
  PodController& operator=(const PodController&) = delete;

  // Starts the informer and the workers; returns once the informer has synced
  // (DeadlineExceeded if it does not within cache_sync_timeout).
  [[nodiscard]] absl::Status Start();
  void Stop();

  // The informer's cache, for lookups (e.g. the log server).
  [[nodiscard]] const kube::Store& pods() const { return informer_->store(); }

 private:
  absl::StatusOr<kube::Result> Reconcile(const std::string& key);
  const NodeRef* FindNode(absl::string_view name) const;

  kube::RestClient* const client_;
  const std::vector<SimNodeSpec>* const nodes_;
  absl::flat_hash_map<std::string, NodeRef> node_index_;
  PodRuntime* const simulated_;
  PodRuntime* const process_;
  const PodControllerOptions options_;
  std::unique_ptr<kube::SharedInformer> informer_;
  std::unique_ptr<kube::Controller> controller_;
  kube::StopSignal stop_;
  std::thread worker_thread_;
};

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_POD_CONTROLLER_H_
