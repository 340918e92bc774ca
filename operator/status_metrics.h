// What a status write tells the operator's metrics (operator_metrics.h): the faults it adds
// (flyover_operator_faults_total, and _fault_detection_seconds when the fault's occurrence
// time was known), the faults whose recovery it completes (_recovery_seconds by level), and
// the restarts it starts (_restarts_total by level). Called once per status write that
// landed, so a retried write counts nothing twice.
//
// Thread-safety: as OperatorMetrics.
#ifndef FLYOVER_OPERATOR_STATUS_METRICS_H_
#define FLYOVER_OPERATOR_STATUS_METRICS_H_

#include <optional>
#include <string>

#include "absl/time/time.h"
#include "kube/api/post_training_job.h"
#include "operator/operator_metrics.h"

namespace flyover::op {

void ObserveStatusChange(const kube::PostTrainingJobStatus& before,
                         const kube::PostTrainingJobStatus& after, OperatorMetrics& metrics);

// The job's step and goodput gauges for `status` at `now` (recovery/goodput.h), for `key`
// ("<namespace>/<name>").
void ObserveJobProgress(const std::string& key, const kube::PostTrainingJobStatus& status,
                        absl::Time now, OperatorMetrics& metrics);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_STATUS_METRICS_H_
