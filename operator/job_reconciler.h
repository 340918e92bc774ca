// JobReconciler: the PostTrainingJob controller's reconcile function
// (docs/design/operator.md). Level-driven and idempotent: each call reads the job, its
// pods (and, once they are bound, their nodes) from the API and the supervision registry,
// computes the desired objects and status with pure functions (job_resources.h,
// rank_table.h, job_status.h) and applies the difference:
//
//   invalid spec         -> phase Failed, condition Valid=False naming the field; no pods
//   being deleted / gone -> forgotten (owned objects go by garbage collection)
//   finished             -> deleted once ttlSecondsAfterFinished has passed
//   suspend              -> the pods are deleted; phase Suspended (resuming moves to the
//                           next restart generation, whose pods resume from the newest
//                           committed checkpoint)
//   otherwise            -> the token Secret and headless Service (created once), the
//                           pod serving each rank index (created while the generation
//                           is being placed or when the recovery ladder replaces it; a
//                           pod lost otherwise is a fault for the ladder, not silently
//                           recreated), every other pod deleted, the rank table built
//                           once every serving pod is bound with its dies known
//                           (published to the registry and
//                           mirrored to the ConfigMap <job>-ranktable), faults from pods,
//                           nodes, the device plugins' reports (unhealthy dies the pods
//                           hold) and heartbeat stalls recorded, one step of the recovery
//                           ladder (recovery/recovery_status.h: in place, reschedule pod,
//                           restart job, backoff, maxRestarts), the status written when
//                           it changed, an Event for every transition, fault and step.
//
// Errors: Aborted (a write conflict) and Unavailable are retried by the controller;
// FailedPrecondition (e.g. a Secret of the job's name owned by someone else) fails the job
// with that message.
//
// Thread-safety: Reconcile may run concurrently for different keys (the controller never
// runs one key twice at once). Borrows everything it is given.
#ifndef FLYOVER_OPERATOR_JOB_RECONCILER_H_
#define FLYOVER_OPERATOR_JOB_RECONCILER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "kube/api/post_training_job.h"
#include "kube/client/rest_client.h"
#include "kube/controller/controller.h"
#include "kube/controller/event_recorder.h"
#include "operator/cluster_view.h"
#include "operator/device_health.h"
#include "operator/job_resources.h"
#include "operator/job_status.h"
#include "operator/operator_metrics.h"
#include "operator/owned_objects.h"
#include "operator/pod_expectations.h"
#include "operator/rank_table.h"
#include "operator/recovery/recovery_policy.h"
#include "operator/supervision/supervision_registry.h"

namespace flyover::op {

struct JobReconcilerOptions {
  PodOptions pods;
  // While a job runs it is reconciled at least this often (heartbeat stalls, node state).
  absl::Duration running_resync = absl::Seconds(2);
  bool mirror_rank_table = true;  // keep the ConfigMap <job>-ranktable
  RecoveryTimeouts recovery_timeouts;
  // The device plugins' reports (device_health.h); null: device faults come only from the
  // agents' health. Not owned.
  const DeviceHealth* device_health = nullptr;
  // Where pods, nodes and node Leases are read (cluster_view.h); null: the API server, on
  // every reconcile. Not owned.
  ClusterView* cluster_view = nullptr;
  // The writes a cached cluster_view may not show yet (pod_expectations.h); required with a
  // cached view, null with the API's. Not owned.
  PodExpectations* pod_expectations = nullptr;
  // Concurrent pod creations and deletions (in slow-start batches: slow_start.h).
  int max_parallel_writes = 8;
  Clock* clock = RealClock();     // not owned
};

class JobReconciler {
 public:
  // `metrics` may be null. `forget_rendezvous` (may be empty) drops a finished job's
  // rendezvous keys.
  JobReconciler(kube::RestClient* client, SupervisionRegistry* registry,
                kube::EventRecorder* events, OperatorMetrics* metrics,
                JobReconcilerOptions options = {},
                std::function<void(const std::string& job_id)> forget_rendezvous = {});

  // `key` is "<namespace>/<name>".
  [[nodiscard]] absl::StatusOr<kube::Result> Reconcile(const std::string& key);

 private:
  struct Run;  // one reconcile's state (job_reconciler.cc)

  absl::StatusOr<kube::Result> ReconcileJob(Run& run);
  absl::StatusOr<kube::Result> ReconcileActive(Run& run);
  absl::StatusOr<kube::Result> Finish(Run& run);
  absl::StatusOr<kube::Result> Suspend(Run& run);
  // The job's pods from the cluster view, or nothing while the view does not yet show every
  // pod write of an earlier reconcile (pod_expectations.h).
  absl::StatusOr<std::optional<std::vector<nlohmann::json>>> SettledPods(const Run& run);
  // Forgets a job that is gone or being deleted.
  void ForgetJob(const Run& run);
  // Deletes `pods` (force: with grace period 0) and expects the deletions; an Event when any.
  absl::Status DeletePodsWithEvent(const Run& run, const std::vector<nlohmann::json>& pods,
                                   bool force, const std::string& message_suffix);
  absl::Status SyncAndObservePods(Run& run, const std::vector<nlohmann::json>& pods,
                                  JobObservation* seen);
  absl::Status SyncPods(Run& run, const std::vector<nlohmann::json>& pods, JobObservation* seen);
  // Creates `pods` (replacements when `replacing`), expects them, and records Events;
  // returns how many it created (those that existed already do not count).
  absl::StatusOr<int> CreateMissingPods(const Run& run, const std::vector<nlohmann::json>& pods,
                                        bool replacing);
  // Deletes the job's pods that serve no rank any more (force-deleting those on lost nodes).
  absl::Status DeleteStalePods(Run& run, const std::vector<nlohmann::json>& pods);
  absl::Status RegisterPods(Run& run);
  // The recovery ladder (job_reconciler_recovery.cc): writes `status` after one step of
  // recovery and carries the step out. A value when the reconcile is done with it.
  absl::StatusOr<std::optional<kube::Result>> Recover(Run& run,
                                                      const std::optional<JobProgress>& progress,
                                                      kube::PostTrainingJobStatus status);
  absl::Status QueueRestartInPlace(Run& run);
  absl::Status ObservePods(Run& run, JobObservation* seen);
  absl::Status BuildRankTable(Run& run, const std::vector<nlohmann::json>& bound,
                              JobObservation* seen);
  // The rank table's view of the bound pods (their nodes read from the API).
  absl::StatusOr<std::vector<RankTablePod>> MembersOf(const std::vector<nlohmann::json>& bound);
  absl::StatusOr<kube::Result> Fail(Run& run, const std::string& condition,
                                    const std::string& reason, const std::string& message);
  absl::Status WriteStatus(Run& run, kube::PostTrainingJobStatus status);
  void Event(const Run& run, bool warning, const std::string& reason, const std::string& message);

  kube::RestClient* const client_;
  SupervisionRegistry* const registry_;
  kube::EventRecorder* const events_;
  OperatorMetrics* const metrics_;
  const JobReconcilerOptions options_;
  const std::function<void(const std::string&)> forget_rendezvous_;
  OwnedObjects owned_;
  std::unique_ptr<ApiClusterView> api_view_;  // when options_.cluster_view is null
  ClusterView* const view_;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_JOB_RECONCILER_H_
