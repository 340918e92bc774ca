// SimulatedPodRuntime: pods with no process, for scale tests. A bound pod turns Running at
// once (every container running and ready, a distinct pod IP, startTime), and Succeeded
// once its succeed-after (annotation nodesim.flyover.dev/succeed-after, else the default)
// has passed since it started. A pod with a deletionTimestamp is deleted for good
// (gracePeriodSeconds=0), as the kubelet does once its containers are stopped.
//
// Ownership: borrows the RestClient and the clock. Thread-safety: as PodRuntime.
#ifndef FLYOVER_NODESIM_SIMULATED_POD_RUNTIME_H_
#define FLYOVER_NODESIM_SIMULATED_POD_RUNTIME_H_

#include <atomic>
#include <optional>

#include "common/clock.h"
#include "kube/client/rest_client.h"
#include "nodesim/pod_runtime.h"

namespace flyover::nodesim {

struct SimulatedPodOptions {
  std::optional<absl::Duration> succeed_after;  // nullopt: run until deleted
  std::string host_ip = "127.0.0.1";
  Clock* clock = RealClock();  // not owned
};

class SimulatedPodRuntime final : public PodRuntime {
 public:
  SimulatedPodRuntime(kube::RestClient* client, SimulatedPodOptions options)
      : client_(client), options_(std::move(options)) {}

  absl::StatusOr<kube::Result> Sync(const std::string& key, const kube::core::Pod& pod,
                                    const NodeRef& node) override;
  void Forget(const std::string&) override {}

  int64_t started() const { return started_.load(); }
  int64_t succeeded() const { return succeeded_.load(); }

 private:
  absl::StatusOr<kube::Result> MaybeSucceed(const kube::core::Pod& pod);

  kube::RestClient* const client_;
  const SimulatedPodOptions options_;
  std::atomic<uint64_t> next_slot_{0};
  std::atomic<int64_t> started_{0};
  std::atomic<int64_t> succeeded_{0};
};

// Deletes the pod for good (gracePeriodSeconds=0, preconditioned on its uid); a pod that
// is already gone is not an error.
[[nodiscard]] absl::Status FinishDeletion(kube::RestClient* client, const kube::core::Pod& pod);

// Merge-patches pods/status of `pod`.
[[nodiscard]] absl::Status PatchPodStatus(kube::RestClient* client, const kube::core::Pod& pod,
                                          const nlohmann::json& patch);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_SIMULATED_POD_RUNTIME_H_
