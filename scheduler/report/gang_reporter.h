// GangReporter: tells users and the operator what became of a gang, in the places they look.
//
//   Unschedulable  every pending pod gets condition PodScheduled=False, reason Unschedulable,
//                  with the core's message (pods/status); one Warning Event FailedScheduling on
//                  the job (on the first pod when the gang names no job); and the
//                  PostTrainingJob's status condition "Schedulable" = False, reason
//                  Unschedulable, same message. A repeat of the same message for the same
//                  gang writes nothing (the queue retries gangs often; the first report stands).
//   Scheduled      the job's condition "Schedulable" = True, reason Scheduled, and a Normal
//                  Event Scheduled on the job.
//   BindFailed     a Warning Event BindFailed on the job naming the pods already bound and the
//                  one that failed: Kubernetes cannot bind a gang atomically, so the operator
//                  (which owns the pods) decides whether to recreate the generation.
//
// Every write is best-effort: failures are returned for the caller to log and count, never
// retried here except for conflicts on the job's status (read-modify-write).
//
// Thread-safety: all methods are thread-safe. The client, recorder and clock are borrowed.
#ifndef FLYOVER_SCHEDULER_REPORT_GANG_REPORTER_H_
#define FLYOVER_SCHEDULER_REPORT_GANG_REPORTER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "kube/client/rest_client.h"
#include "kube/controller/event_recorder.h"
#include "nlohmann/json.hpp"
#include "scheduler/binder/gang_binder.h"
#include "scheduler/queue/gang_collector.h"

namespace flyover::sched {

// Sets condition `type` in an object's status.conditions (JSON), as metav1 conditions
// behave: lastTransitionTime changes only when the status does. Returns whether anything
// changed.
bool SetStatusCondition(nlohmann::json& object, const std::string& type, const std::string& status,
                        const std::string& reason, const std::string& message, absl::Time now);

class GangReporter {
 public:
  GangReporter(kube::RestClient* client, kube::EventRecorder* recorder, Clock* clock = RealClock());

  absl::Status ReportUnschedulable(const PendingGang& gang, const std::string& message)
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status ReportScheduled(const PendingGang& gang) ABSL_LOCKS_EXCLUDED(mu_);
  void ReportBindFailure(const PendingGang& gang, const GangBindResult& result);
  // Forgets what was reported for a gang that no longer exists.
  void Forget(const std::string& gang_key) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  absl::Status SetPodUnschedulable(const PodInfo& pod, const std::string& message);
  absl::Status SetJobCondition(const PendingGang& gang, const std::string& status,
                               const std::string& reason, const std::string& message);
  kube::ObjectReference Subject(const PendingGang& gang) const;

  kube::RestClient* const client_;
  kube::EventRecorder* const recorder_;
  Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, std::string> last_message_ ABSL_GUARDED_BY(mu_);
};

}  // namespace flyover::sched

#endif  // FLYOVER_SCHEDULER_REPORT_GANG_REPORTER_H_
