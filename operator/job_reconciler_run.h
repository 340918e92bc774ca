// The state of one JobReconciler::Reconcile call, shared by job_reconciler.cc and
// job_reconciler_pods.cc. Internal to operator/.
#ifndef FLYOVER_OPERATOR_JOB_RECONCILER_RUN_H_
#define FLYOVER_OPERATOR_JOB_RECONCILER_RUN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"
#include "operator/job_reconciler.h"

namespace flyover::op {

// How soon a job whose own pod writes the cluster view does not show yet is looked at again
// (the watch events that show them enqueue it earlier).
inline constexpr absl::Duration kCacheCatchUp = absl::Milliseconds(200);

struct JobReconciler::Run {
  std::string key;  // "<namespace>/<name>"
  std::string id;   // "<namespace>.<name>"
  absl::Time now;
  kube::PostTrainingJob job;  // as read; status is what was last written
  std::string token;          // the job's supervision token
  // The pod serving each rank index (the newest of generation <= restartGeneration), as
  // listed by SyncPods; ranks whose pod is being created are absent.
  std::map<int32_t, nlohmann::json> current;
  // Names of the pods serving each rank index, including pods created this reconcile.
  std::vector<std::string> pod_names;
};

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_JOB_RECONCILER_RUN_H_
