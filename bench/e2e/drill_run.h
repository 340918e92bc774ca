// One run of the fault drill: creates a PostTrainingJob, injects the planned faults as the
// job passes their steps, and watches the job's status (polled every 100 ms) until it
// finishes.
//
// A fault is injected once status.step has reached its planned step, the job is Running
// and the previous fault's incident is over (every status.faults record added since it
// was injected has recoveredAt, or 120 s passed). Kinds:
//   rank-kill   SIGKILL of one `flyover-worker rank` process of a random serving pod
//               (found by its working directory, the pod's directory under nodesim)
//   pod-delete  DELETE of a random serving pod
//   node-stop   `flyover chaos stop-node` of a random serving pod's node (resumed with
//               `resume-node` when the run ends)
//   device-ecc  `flyover chaos npu-fault NODE --die N --kind hbm_ecc_double_bit` on a die
//               a random serving pod holds (recovered with `npu-recover` when the run ends)
//
// Times are measured from outside, on the host's clock: `seen` = injection -> the first
// new status.faults record observed, `recovered` = injection -> every new record has
// recoveredAt (the operator sets it when every pod completed a step after the recovery).
// The records themselves (with the operator's detectionMillis / recoveryMillis) are kept.
#ifndef FLYOVER_BENCH_E2E_DRILL_RUN_H_
#define FLYOVER_BENCH_E2E_DRILL_RUN_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench/e2e/drill_cluster.h"
#include "bench/e2e/drill_plan.h"
#include "nlohmann/json.hpp"

namespace flyover::drill {

struct InjectedFault {
  PlannedFault planned;
  int64_t step = -1;   // status.step when injected
  std::string target;  // what was hit, e.g. "pod drill-1-1-g0 rank pid 4242"
  std::string error;   // why the injection or its recovery failed; "" = fine
  absl::Time at = absl::InfinitePast();
  std::optional<absl::Duration> seen;       // injection -> first new record in status
  std::optional<absl::Duration> recovered;  // injection -> every new record recovered
  std::vector<nlohmann::json> records;      // the status.faults entries it caused
};

struct RunResult {
  nlohmann::json job;  // the last object read
  std::vector<InjectedFault> faults;
  bool timed_out = false;
};

struct RunConfig {
  nlohmann::json manifest;  // the PostTrainingJob to create
  std::vector<PlannedFault> plan;
  absl::Duration timeout = absl::Minutes(15);
  uint64_t seed = 1;  // picks the pods, ranks and dies hit
};

RunResult RunJob(LocalCluster& cluster, kube::RestClient& client, const RunConfig& config);

// The fault records of `status.faults` whose class is not report-only (Straggler).
[[nodiscard]] bool NeedsRecovery(const nlohmann::json& record);

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_RUN_H_
