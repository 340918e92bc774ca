// ProcessPodRuntime: process-mode pods. On the first Sync() of a pod it prepares the pod's
// directory <data_dir>/pods/<namespace>_<name>_<uid>/ (volumes, pod_volumes.h; logs under
// logs/<container>/<run>.log), builds each container's environment (a base of PATH, HOME,
// LANG, TMPDIR and LD_LIBRARY_PATH from nodesim's own environment, HOSTNAME = the pod's
// name, then the pod's env, pod_env.h), rewrites mount paths, expands $(VAR) in command and
// args, and starts one ContainerSupervisor per container. Every container change is
// written to pods/status (phase Running while any container runs or will restart;
// Succeeded when all exited 0 for good; Failed otherwise). Each pod gets its own loopback
// address (loopback_addresses.h: 127.<a>.<b>.<c>, never 127.0.0.1) as podIP/podIPs, known to
// the downward API from the first start, so its processes can each bind their usual ports
// there; it is released once the pod has ended (Succeeded/Failed) or is gone. hostIP is
// 127.0.0.1, the node's InternalIP.
//
// A pod with a deletionTimestamp is terminated: SIGTERM to every container, up to
// metadata.deletionGracePeriodSeconds (else spec.terminationGracePeriodSeconds, else 30 s),
// SIGKILL, then DELETE with gracePeriodSeconds=0. A pod that vanished from the API
// (Forget) is terminated the same way without the DELETE.
//
// A pod that cannot be prepared (a missing ConfigMap, an unsupported field) gets a waiting
// container status CreateContainerConfigError with the reason, and Sync() returns the error
// so the controller retries with backoff.
//
// Ownership: borrows the RestClient, the ObjectSource and the clock.
// Thread-safety: thread-safe.
#ifndef FLYOVER_NODESIM_PROCESS_POD_RUNTIME_H_
#define FLYOVER_NODESIM_PROCESS_POD_RUNTIME_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "kube/client/rest_client.h"
#include "nodesim/chaos_actions.h"
#include "nodesim/chaos_state.h"
#include "nodesim/container_supervisor.h"
#include "nodesim/device_request.h"
#include "nodesim/loopback_addresses.h"
#include "nodesim/pod_env.h"
#include "nodesim/pod_runtime.h"

namespace flyover::nodesim {

struct ProcessRuntimeOptions {
  std::string data_dir;  // required
  SupervisorOptions supervisor;
  absl::Duration default_grace_period = absl::Seconds(30);
  Clock* clock = RealClock();  // not owned
  // Faults injected into nodes (chaos_state.h): no status writes for a silenced node's
  // pods, and each process gets FLYOVER_SLOW_FACTOR_FILE / FLYOVER_SLOW_FACTOR. Null: none.
  const ChaosState* chaos = nullptr;  // not owned
  // The node's device managers (device_nodes.h): a pod's devices are allocated before its
  // containers start (their envs go before the pod's env; device nodes and mounts cannot be
  // given to a local process) and released once it has terminated or is gone; a failed
  // allocation fails the pod with reason UnexpectedAdmissionError. Null: no devices.
  PodDeviceAllocator* devices = nullptr;  // not owned
};

// A container's logs, for the log server.
struct ContainerLogRef {
  std::string path;  // the log file of the asked-for run
  // Whether that run may still write (follow until it stops).
  std::function<bool()> running;
};

class ProcessPodRuntime final : public PodRuntime, public ChaosTarget {
 public:
  ProcessPodRuntime(kube::RestClient* client, ObjectSource* source,
                    ProcessRuntimeOptions options);
  ~ProcessPodRuntime() override;

  absl::StatusOr<kube::Result> Sync(const std::string& key, const kube::core::Pod& pod,
                                    const NodeRef& node) override ABSL_LOCKS_EXCLUDED(mu_);
  void Forget(const std::string& key) override ABSL_LOCKS_EXCLUDED(mu_);

  // ChaosTarget (chaos_actions.h): signals for kill-pod and stop/resume-node, and the
  // status writes held back while a node was silenced.
  absl::StatusOr<int> SignalPod(const std::string& key, int signal) override
      ABSL_LOCKS_EXCLUDED(mu_);
  int SignalNodePods(const std::string& node, int signal) override ABSL_LOCKS_EXCLUDED(mu_);
  void ReportNodePods(const std::string& node) override ABSL_LOCKS_EXCLUDED(mu_);

  // How many pod addresses are held (pods started and not yet ended or gone).
  size_t PodAddressesInUse() const { return addresses_->InUse(); }

  // The log of `container` of pod `key` (this run, or the previous one); NotFound when
  // nodesim does not run that pod or container, or the run has no log.
  [[nodiscard]] absl::StatusOr<ContainerLogRef> ContainerLog(const std::string& key,
                                                             const std::string& container,
                                                             bool previous)
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct PodState;

  absl::Status StartPod(const std::string& key, const kube::core::Pod& pod)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<ContainerLaunch>> PrepareContainers(const kube::core::Pod& pod,
                                                                 const std::string& pod_dir,
                                                                 const std::string& pod_ip,
                                                                 const PodDevices& devices);
  // Fails the pod whose devices could not be allocated, as the kubelet rejects it.
  absl::Status RejectPod(const std::string& key, const kube::core::Pod& pod,
                         const absl::Status& error);
  void ReportStatus(PodState* state);
  std::vector<std::shared_ptr<PodState>> PodsOn(const std::string& node) ABSL_LOCKS_EXCLUDED(mu_);
  void BeginTermination(std::shared_ptr<PodState> state, absl::Duration grace, bool delete_after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Terminate(std::shared_ptr<PodState> state, absl::Duration grace, bool delete_after);

  kube::RestClient* const client_;
  ObjectSource* const source_;
  const ProcessRuntimeOptions options_;
  // Shared with the leases of the pods (which may outlive a log reader's reference).
  const std::shared_ptr<LoopbackAddressPool> addresses_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<PodState>> pods_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> terminators_ ABSL_GUARDED_BY(mu_);
};

// The grace period of a pod being deleted: metadata.deletionGracePeriodSeconds, else
// spec.terminationGracePeriodSeconds, else `fallback`.
[[nodiscard]] absl::Duration GracePeriod(const kube::core::Pod& pod, absl::Duration fallback);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_PROCESS_POD_RUNTIME_H_
