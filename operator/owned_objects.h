// The API writes of the reconciler for the objects a job owns: each Ensure* creates what is
// missing and leaves what exists (so a reconcile repeated, or run by a new leader after a
// failover, creates nothing twice: AlreadyExists counts as done). Objects of the job's name
// that another owner holds are refused with FailedPrecondition, naming the object.
//
// Thread-safety: stateless apart from the borrowed client, which is thread-safe.
#ifndef FLYOVER_OPERATOR_OWNED_OBJECTS_H_
#define FLYOVER_OPERATOR_OWNED_OBJECTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kube/api/post_training_job.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"
#include "operator/job_resources.h"

namespace flyover::op {

class OwnedObjects {
 public:
  explicit OwnedObjects(kube::RestClient* client) : client_(client) {}

  // The job's supervision token: read from its Secret, or a new one in a new Secret.
  absl::StatusOr<std::string> EnsureTokenSecret(const kube::PostTrainingJob& job);
  absl::Status EnsureService(const kube::PostTrainingJob& job);

  // Every pod of the job (any generation), by label.
  absl::StatusOr<std::vector<nlohmann::json>> ListPods(const kube::PostTrainingJob& job);
  // Creates `pod` unless it exists. Returns whether it created it.
  absl::StatusOr<bool> CreatePod(const nlohmann::json& pod);
  // Deletes the pods not yet being deleted; returns how many it asked to delete.
  absl::StatusOr<int> DeletePods(const std::vector<nlohmann::json>& pods);
  // Deletes `pods` with gracePeriodSeconds 0, those already being deleted included: for pods
  // on an unreachable node, whose kubelet can never confirm a graceful deletion.
  absl::StatusOr<int> ForceDeletePods(const std::vector<nlohmann::json>& pods);

  absl::StatusOr<nlohmann::json> GetNode(const std::string& name);

  // Creates or updates the ConfigMap <job>-ranktable with key hccl.json.
  absl::Status MirrorRankTable(const kube::PostTrainingJob& job, const nlohmann::json& table);

  // Deletes the job (ttlSecondsAfterFinished), its owned objects by garbage collection.
  absl::Status DeleteJob(const kube::PostTrainingJob& job);

  // Writes `job.status` (conditional on its resourceVersion: a conflict is Aborted).
  absl::Status UpdateStatus(const kube::PostTrainingJob& job);

 private:
  absl::StatusOr<nlohmann::json> CreateOrGet(const kube::ResourceDescriptor& resource,
                                             const kube::PostTrainingJob& job,
                                             const nlohmann::json& object);

  kube::RestClient* const client_;
};

std::string RankTableConfigMapName(const std::string& job);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_OWNED_OBJECTS_H_
