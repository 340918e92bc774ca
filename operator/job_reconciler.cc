#include "operator/job_reconciler.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/log.h"
#include "common/status.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/post_training_job_validation.h"
#include "kube/client/resource.h"
#include "operator/job_reconciler_run.h"
#include "operator/recovery/goodput.h"
#include "operator/silent_node_faults.h"
#include "operator/status_metrics.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {

using kube::JobPhase;

namespace {

// Faults detected from heartbeats name their pod only: add the node it runs on.
void FillFaultNodes(const std::map<int32_t, nlohmann::json>& pods,
                    std::vector<kube::FaultRecord>* faults) {
  std::map<std::string, std::string> node_of;
  for (const auto& [rank, pod] : pods) {
    const nlohmann::json spec = pod.value("spec", nlohmann::json::object());
    const nlohmann::json metadata = pod.value("metadata", nlohmann::json::object());
    node_of[metadata.value("name", "")] = spec.value("nodeName", "");
  }
  for (kube::FaultRecord& fault : *faults) {
    if (auto it = node_of.find(fault.pod); fault.node.empty() && it != node_of.end()) {
      fault.node = it->second;
    }
  }
}

// The nodes of `faults`' HeartbeatTimeouts.
std::set<std::string> NodesOfSilentPods(const std::vector<kube::FaultRecord>& faults) {
  std::set<std::string> nodes;
  for (const kube::FaultRecord& fault : faults) {
    if (fault.fault_class == kFaultHeartbeatTimeout && !fault.node.empty()) {
      nodes.insert(fault.node);
    }
  }
  return nodes;
}

}  // namespace

JobReconciler::JobReconciler(kube::RestClient* client, SupervisionRegistry* registry,
                             kube::EventRecorder* events, OperatorMetrics* metrics,
                             JobReconcilerOptions options,
                             std::function<void(const std::string&)> forget_rendezvous)
    : client_(client),
      registry_(registry),
      events_(events),
      metrics_(metrics),
      options_(std::move(options)),
      forget_rendezvous_(std::move(forget_rendezvous)),
      owned_(client),
      api_view_(options_.cluster_view == nullptr ? std::make_unique<ApiClusterView>(client)
                                                 : nullptr),
      view_(options_.cluster_view != nullptr ? options_.cluster_view : api_view_.get()) {}

void JobReconciler::ForgetJob(const Run& run) {
  registry_->ForgetJob(run.id);
  if (forget_rendezvous_) forget_rendezvous_(run.id);
  if (options_.pod_expectations != nullptr) options_.pod_expectations->Forget(run.id);
}

absl::StatusOr<std::optional<std::vector<nlohmann::json>>> JobReconciler::SettledPods(
    const Run& run) {
  ASSIGN_OR_RETURN(std::vector<nlohmann::json> pods, view_->JobPods(run.job));
  if (options_.pod_expectations != nullptr &&
      !options_.pod_expectations->Satisfied(run.id, pods, run.now)) {
    return std::nullopt;
  }
  return pods;
}

absl::Status JobReconciler::DeletePodsWithEvent(const Run& run,
                                                const std::vector<nlohmann::json>& pods,
                                                bool force, const std::string& message_suffix) {
  OwnedObjects::Deleted deleted = force
                                      ? owned_.ForceDeletePods(pods, options_.max_parallel_writes)
                                      : owned_.DeletePods(pods, options_.max_parallel_writes);
  if (options_.pod_expectations != nullptr) {
    options_.pod_expectations->ExpectDeletions(run.id, deleted.uids, force, run.now);
  }
  if (!deleted.uids.empty()) {
    Event(run, false, force ? "ForceDeletedPods" : "DeletedPods",
          absl::StrCat("deleted ", deleted.uids.size(), " ", message_suffix));
  }
  return deleted.error;
}

absl::StatusOr<kube::Result> JobReconciler::Reconcile(const std::string& key) {
  const absl::Time start = options_.clock->Now();
  std::vector<std::string> parts = absl::StrSplit(key, '/');
  if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError(absl::StrCat("key: \"", key, "\" is not <namespace>/<name>"));
  }
  Run run{.key = key, .id = JobId(parts[0], parts[1]), .now = start};
  absl::StatusOr<nlohmann::json> raw =
      client_->Get(kube::PostTrainingJobsResource(), parts[0], parts[1]);
  if (absl::IsNotFound(raw.status())) {
    ForgetJob(run);
    if (metrics_ != nullptr) metrics_->ObservePhase(key, "");
    return kube::Result{};
  }
  if (!raw.ok()) return raw.status();
  kube::ErrorList errors;
  run.job = kube::DecodePostTrainingJob(*raw, &errors);
  if (errors.empty()) kube::ValidatePostTrainingJob(run.job, &errors);
  absl::StatusOr<kube::Result> result =
      errors.empty()
          ? ReconcileJob(run)
          : Fail(run, kConditionValid, "InvalidSpec", absl::StrJoin(errors.Strings(), "; "));
  if (metrics_ != nullptr) metrics_->ObserveReconcile(options_.clock->Now() - start);
  return result;
}

absl::StatusOr<kube::Result> JobReconciler::ReconcileJob(Run& run) {
  kube::PostTrainingJob& job = run.job;
  if (job.metadata.deletion_timestamp.has_value()) {
    ForgetJob(run);
    return kube::Result{};
  }
  if (IsFinished(job.status)) return Finish(run);
  absl::StatusOr<std::string> token = owned_.EnsureTokenSecret(job);
  absl::Status service = token.ok() ? owned_.EnsureService(job) : token.status();
  if (absl::IsFailedPrecondition(service)) {
    return Fail(run, kConditionFailed, "OwnedObjectConflict", std::string(service.message()));
  }
  RETURN_IF_ERROR(service);
  if (job.spec.suspend) return Suspend(run);
  if (job.status.phase == JobPhase::kSuspended) {
    ++job.status.restart_generation;
    Event(run, false, "Resumed",
          absl::StrCat(
              "resuming in generation ", job.status.restart_generation, " from step ",
              job.status.last_checkpoint.has_value() ? job.status.last_checkpoint->step : 0));
  }
  run.token = *token;
  return ReconcileActive(run);
}

absl::StatusOr<kube::Result> JobReconciler::ReconcileActive(Run& run) {
  ASSIGN_OR_RETURN(std::optional<std::vector<nlohmann::json>> pods, SettledPods(run));
  if (!pods.has_value()) return kube::Result{.requeue_after = kCacheCatchUp};
  JobObservation seen;
  absl::Status synced = SyncAndObservePods(run, *pods, &seen);
  if (absl::IsInvalidArgument(synced)) {
    return Fail(run, kConditionFailed, "PodRejected", std::string(synced.message()));
  }
  RETURN_IF_ERROR(synced);
  seen.progress = registry_->Progress(run.id);
  seen.rank_table_ready = seen.progress.has_value() && seen.progress->rank_table.has_value();
  if (seen.rank_table_ready) {
    std::vector<kube::FaultRecord> stalls =
        StallFaults(*seen.progress, run.job.spec.fault_tolerance, run.now);
    FillFaultNodes(run.current, &stalls);
    ASSIGN_OR_RETURN(auto leases, view_->NodeLeases(NodesOfSilentPods(stalls)));
    for (kube::FaultRecord& fault : SilentNodeFaults(stalls, leases, run.now)) {
      registry_->RecordFault(run.id, std::move(fault));
    }
    for (kube::FaultRecord& fault : stalls) registry_->RecordFault(run.id, std::move(fault));
    if (options_.device_health != nullptr) {
      for (kube::FaultRecord& fault : DeviceFaults(run.current, run.job.spec.npus_per_replica,
                                                   *options_.device_health, run.now)) {
        registry_->RecordFault(run.id, std::move(fault));
      }
    }
  }
  seen.faults = registry_->Faults(run.id);
  FillFaultNodes(run.current, &seen.faults);
  kube::PostTrainingJobStatus status = NextStatus(run.job, seen, run.now);
  ASSIGN_OR_RETURN(std::optional<kube::Result> recovery,
                   Recover(run, seen.progress, std::move(status)));
  if (recovery.has_value()) return *recovery;
  const kube::PostTrainingJobStatus& now = run.job.status;
  if (now.phase == JobPhase::kRunning || now.phase == JobPhase::kRecovering)
    return kube::Result{.requeue_after = options_.running_resync};
  if (IsFinished(now)) return Finish(run);
  return kube::Result{};
}

absl::StatusOr<kube::Result> JobReconciler::Finish(Run& run) {
  const kube::PostTrainingJob& job = run.job;
  if (job.status.phase == JobPhase::kFailed) {
    ASSIGN_OR_RETURN(std::optional<std::vector<nlohmann::json>> pods, SettledPods(run));
    if (!pods.has_value()) return kube::Result{.requeue_after = kCacheCatchUp};
    RETURN_IF_ERROR(DeletePodsWithEvent(run, *pods, false, "pods of the failed job"));
  }
  if (!job.spec.ttl_seconds_after_finished.has_value() || !job.status.completion_time.has_value()) {
    return kube::Result{};
  }
  const absl::Time expires =
      *job.status.completion_time + absl::Seconds(*job.spec.ttl_seconds_after_finished);
  if (run.now < expires) return kube::Result{.requeue_after = expires - run.now};
  log::Info("deleting finished job after its ttl", {{"job", run.key}});
  RETURN_IF_ERROR(owned_.DeleteJob(job));
  ForgetJob(run);
  return kube::Result{};
}

absl::StatusOr<kube::Result> JobReconciler::Suspend(Run& run) {
  ASSIGN_OR_RETURN(std::optional<std::vector<nlohmann::json>> pods, SettledPods(run));
  if (pods.has_value()) {
    RETURN_IF_ERROR(DeletePodsWithEvent(run, *pods, false, "pods: the job is suspended"));
  }
  registry_->ForgetJob(run.id);
  if (forget_rendezvous_) forget_rendezvous_(run.id);
  RETURN_IF_ERROR(WriteStatus(run, SuspendedStatus(run.job, run.now)));
  return pods.has_value() ? kube::Result{} : kube::Result{.requeue_after = kCacheCatchUp};
}

absl::StatusOr<kube::Result> JobReconciler::Fail(Run& run, const std::string& condition,
                                                 const std::string& reason,
                                                 const std::string& message) {
  Event(run, true, reason, message);
  RETURN_IF_ERROR(WriteStatus(run, FailedStatus(run.job, condition, reason, message, run.now)));
  return kube::Result{};
}

absl::Status JobReconciler::WriteStatus(Run& run, kube::PostTrainingJobStatus status) {
  if (std::optional<double> goodput = Goodput(status, run.now); goodput.has_value()) {
    status.goodput = RoundGoodput(*goodput);
  }
  if (metrics_ != nullptr) ObserveJobProgress(run.key, status, run.now, *metrics_);
  if (status == run.job.status) return absl::OkStatus();
  const std::optional<JobPhase> before = run.job.status.phase;
  std::vector<kube::FaultRecord> fresh;
  for (const kube::FaultRecord& fault : status.faults) {
    const auto same = [&fault](const kube::FaultRecord& f) { return SameFault(f, fault); };
    if (std::none_of(run.job.status.faults.begin(), run.job.status.faults.end(), same)) {
      fresh.push_back(fault);
    }
  }
  kube::PostTrainingJobStatus previous = std::exchange(run.job.status, std::move(status));
  RETURN_IF_ERROR(owned_.UpdateStatus(run.job));
  if (metrics_ != nullptr) ObserveStatusChange(previous, run.job.status, *metrics_);
  for (const kube::FaultRecord& fault : fresh) {
    Event(run, true, "FaultDetected",
          absl::StrCat(fault.fault_class, " on pod ", fault.pod,
                       fault.rank.has_value() ? absl::StrCat(" rank ", *fault.rank) : "", ": ",
                       fault.message));
  }
  const std::optional<JobPhase> after = run.job.status.phase;
  if (before != after && after.has_value()) {
    Event(
        run, after == JobPhase::kFailed, kube::EnumName(*after),
        absl::StrCat("phase ", before.has_value() ? kube::EnumName(*before) : "(none)", " -> ",
                     kube::EnumName(*after), " in generation ", run.job.status.restart_generation));
  }
  if (metrics_ != nullptr && after.has_value())
    metrics_->ObservePhase(run.key, kube::EnumName(*after));
  return absl::OkStatus();
}

void JobReconciler::Event(const Run& run, bool warning, const std::string& reason,
                          const std::string& message) {
  if (events_ == nullptr) return;
  const kube::ObjectMeta& meta = run.job.metadata;
  events_->Event({.api_version = kube::kPostTrainingJobApiVersion,
                  .kind = kube::kPostTrainingJobKind,
                  .namespace_ = meta.namespace_,
                  .name = meta.name,
                  .uid = meta.uid},
                 warning ? kube::EventType::kWarning : kube::EventType::kNormal, reason, message);
}

}  // namespace flyover::op
