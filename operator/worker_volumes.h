// The volumes every worker pod gets, so the paths of docs/design/supervision.md section 1
// belong to the pod rather than to whatever the host has there:
//   flyover-rank-table  emptyDir at the directory of RANK_TABLE_FILE (the agent writes the
//                       rank table and its checkpoint-request file there)
//   flyover-replicas    emptyDir with medium Memory at FLYOVER_REPLICA_DIR (cross-pod
//                       in-memory replicas: memory-backed, as long-lived as the pod); the
//                       variable is set in every container
//   flyover-checkpoints spec.checkpoint.volumeClaimName's claim at spec.checkpoint.path, only
//                       when a claim is named
// A template volume or volumeMount of the same name or mount path wins: nothing is added
// for it. Pure function; thread-compatible.
#ifndef FLYOVER_OPERATOR_WORKER_VOLUMES_H_
#define FLYOVER_OPERATOR_WORKER_VOLUMES_H_

#include <string>

#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

inline constexpr char kDefaultReplicaDir[] = "/dev/shm/flyover-replicas";
inline constexpr char kRankTableVolume[] = "flyover-rank-table";
inline constexpr char kReplicaVolume[] = "flyover-replicas";
inline constexpr char kCheckpointVolume[] = "flyover-checkpoints";

// Adds the volumes above to `pod_spec` (a PodSpec with containers) and mounts them in every
// container. `rank_table_file` is the RANK_TABLE_FILE the pods are told.
void AddWorkerVolumes(nlohmann::json& pod_spec, const kube::PostTrainingJobSpec& job_spec,
                      const std::string& rank_table_file);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_WORKER_VOLUMES_H_
