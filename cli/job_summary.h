// A human summary of a (valid, defaulted) PostTrainingJob: what it will occupy on an
// Ascend 910C cluster and how it trains, checkpoints and recovers. `flyover validate`
// prints it; later `flyover run` prints it before following the job.
#ifndef FLYOVER_CLI_JOB_SUMMARY_H_
#define FLYOVER_CLI_JOB_SUMMARY_H_

#include <string>

#include "kube/api/post_training_job.h"

namespace flyover::cli {

struct PlacementEstimate {
  int64_t dies = 0;
  int64_t chips = 0;
  int32_t pods_per_node = 0;
  int64_t nodes = 0;
  int64_t logical_super_pods = 0;  // blocks of topology.superPodBlock dies
  int64_t nodes_per_block = 0;
  // Physical super-pods needed at least, with the job's spare nodes held back in each.
  int64_t min_super_pods = 0;
};

// Pure arithmetic on the spec, using the default super-pod size of common/topology.h.
[[nodiscard]] PlacementEstimate EstimatePlacement(const kube::PostTrainingJobSpec& spec);

// Several lines, no trailing newline.
[[nodiscard]] std::string SummarizeJob(const kube::PostTrainingJob& job);

}  // namespace flyover::cli

#endif  // FLYOVER_CLI_JOB_SUMMARY_H_
