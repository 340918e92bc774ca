#include "scheduler/report/gang_reporter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "kube/api/meta.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/client/resource.h"
#include "kube/controller/retry.h"

namespace flyover::sched {

bool SetStatusCondition(nlohmann::json& object, const std::string& type, const std::string& status,
                        const std::string& reason, const std::string& message, absl::Time now) {
  nlohmann::json& conditions = object["status"]["conditions"];
  if (!conditions.is_array()) conditions = nlohmann::json::array();
  nlohmann::json wanted = {{"type", type},
                           {"status", status},
                           {"reason", reason},
                           {"message", message},
                           {"lastTransitionTime", kube::FormatKubeTime(now)}};
  if (object["metadata"].contains("generation")) {
    wanted["observedGeneration"] = object["metadata"]["generation"];
  }
  for (nlohmann::json& condition : conditions) {
    if (condition.value("type", "") != type) continue;
    if (condition.value("status", "") == status) {
      wanted["lastTransitionTime"] =
          condition.value("lastTransitionTime", wanted["lastTransitionTime"]);
    }
    if (condition == wanted) return false;
    condition = std::move(wanted);
    return true;
  }
  conditions.push_back(std::move(wanted));
  return true;
}

GangReporter::GangReporter(kube::RestClient* client, kube::EventRecorder* recorder, Clock* clock)
    : client_(client), recorder_(recorder), clock_(clock) {}

kube::ObjectReference GangReporter::Subject(const PendingGang& gang) const {
  if (!gang.job.empty()) {
    const kube::ResourceDescriptor& ptj = kube::PostTrainingJobsResource();
    return {.api_version = ptj.ApiVersion(),
            .kind = ptj.kind,
            .namespace_ = gang.namespace_,
            .name = gang.job};
  }
  const PodInfo& pod = gang.pods.front();
  return {.api_version = "v1",
          .kind = "Pod",
          .namespace_ = pod.namespace_,
          .name = pod.name,
          .uid = pod.uid};
}

absl::Status GangReporter::SetPodUnschedulable(const PodInfo& pod, const std::string& message) {
  nlohmann::json patch = {{"status",
                           {{"conditions",
                             {{{"type", "PodScheduled"},
                               {"status", "False"},
                               {"reason", "Unschedulable"},
                               {"message", message},
                               {"lastProbeTime", nullptr},
                               {"lastTransitionTime", kube::FormatKubeTime(clock_->Now())}}}}}}};
  return client_
      ->Patch(kube::PodsResource(), pod.namespace_, pod.name, patch,
              {.type = kube::PatchType::kStrategicMerge, .subresource = "status"})
      .status();
}

absl::Status GangReporter::SetJobCondition(const PendingGang& gang, const std::string& status,
                                           const std::string& reason, const std::string& message) {
  if (gang.job.empty()) return absl::OkStatus();
  return kube::RetryOnConflict(
      kube::DefaultRetry(),
      [&]() -> absl::Status {
        ASSIGN_OR_RETURN(nlohmann::json job,
                         client_->Get(kube::PostTrainingJobsResource(), gang.namespace_, gang.job));
        if (!SetStatusCondition(job, kube::scheduling::kConditionSchedulable, status, reason,
                                message, clock_->Now())) {
          return absl::OkStatus();
        }
        return client_->UpdateStatus(kube::PostTrainingJobsResource(), job).status();
      },
      clock_);
}

absl::Status GangReporter::ReportUnschedulable(const PendingGang& gang,
                                               const std::string& message) {
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = last_message_.try_emplace(gang.key, message);
    if (!inserted && it->second == message) return absl::OkStatus();
    it->second = message;
  }
  if (gang.pods.empty()) return absl::OkStatus();
  recorder_->Event(Subject(gang), kube::EventType::kWarning, "FailedScheduling",
                   absl::StrCat("gang ", gang.gang.empty() ? gang.key : gang.gang, " (",
                                gang.pods.size(), " pods): ", message));
  absl::Status status;
  for (const PodInfo& pod : gang.pods) {
    status.Update(
        Annotate(SetPodUnschedulable(pod, message), absl::StrCat("pod ", pod.key, " status")));
  }
  status.Update(Annotate(SetJobCondition(gang, "False", "Unschedulable", message),
                         absl::StrCat("job ", gang.namespace_, "/", gang.job, " status")));
  return status;
}

absl::Status GangReporter::ReportScheduled(const PendingGang& gang) {
  {
    absl::MutexLock lock(&mu_);
    last_message_.erase(gang.key);
  }
  if (gang.pods.empty() || gang.replacement) return absl::OkStatus();
  const std::string message = absl::StrCat("all ", gang.pods.size(), " pods of gang ",
                                           gang.gang.empty() ? gang.key : gang.gang, " bound");
  recorder_->Event(Subject(gang), kube::EventType::kNormal, "Scheduled", message);
  return Annotate(SetJobCondition(gang, "True", "Scheduled", message),
                  absl::StrCat("job ", gang.namespace_, "/", gang.job, " status"));
}

void GangReporter::ReportBindFailure(const PendingGang& gang, const GangBindResult& result) {
  if (gang.pods.empty()) return;
  recorder_->Event(
      Subject(gang), kube::EventType::kWarning, "BindFailed",
      absl::StrCat("binding pod ", result.failed_pod, " failed: ", result.error.message(), "; ",
                   result.bound.size(), " of ", result.bound.size() + result.not_bound.size(),
                   " pods are bound (", absl::StrJoin(result.bound, ", "),
                   ") and stay bound; the others stay pending and are retried"));
}

void GangReporter::Forget(const std::string& gang_key) {
  absl::MutexLock lock(&mu_);
  last_message_.erase(gang_key);
}

}  // namespace flyover::sched
