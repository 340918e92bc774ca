// Injects one fault of a given kind into a running job of a process-mode local cluster
// (the kinds are described in drill_run.h) and undoes what outlives the run.
#ifndef FLYOVER_BENCH_E2E_DRILL_INJECT_H_
#define FLYOVER_BENCH_E2E_DRILL_INJECT_H_

#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/e2e/drill_cluster.h"
#include "bench/e2e/drill_plan.h"

namespace flyover::drill {

class FaultInjector {
 public:
  FaultInjector(LocalCluster& cluster, kube::RestClient& client, uint64_t seed)
      : cluster_(cluster), client_(client), random_(seed) {}

  // Hits one of the job's serving pods; the target's description, or why nothing was hit.
  absl::StatusOr<std::string> Inject(FaultKind kind, const std::string& ns,
                                     const std::string& job);
  // Resumes stopped nodes and recovers faulted dies; errors are returned as text.
  std::vector<std::string> Undo();

 private:
  absl::StatusOr<std::string> Chaos(const std::string& args);

  LocalCluster& cluster_;
  kube::RestClient& client_;
  std::mt19937_64 random_;
  std::vector<std::string> undo_;  // chaos arguments, run in order by Undo()
};

}  // namespace flyover::drill

#endif  // FLYOVER_BENCH_E2E_DRILL_INJECT_H_
