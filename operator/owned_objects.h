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

  // Creates each of `pods` unless it exists, in slow-start batches (slow_start.h) of up to
  // `max_parallel` concurrent requests. One result per pod: true when created, false when it
  // already existed, or the error (Cancelled for pods not attempted after an error).
  std::vector<absl::StatusOr<bool>> CreatePods(const std::vector<nlohmann::json>& pods,
                                               int max_parallel);
  // Deletes the pods not yet being deleted, concurrently (slow_start.h); returns the uids of
  // the pods it asked to delete (a pod already gone counts), also when it fails part way:
  // then `error` is the first error.
  struct Deleted {
    std::vector<std::string> uids;
    absl::Status error;
  };
  Deleted DeletePods(const std::vector<nlohmann::json>& pods, int max_parallel);
  // Deletes `pods` with gracePeriodSeconds 0, those already being deleted included: for pods
  // on an unreachable node, whose kubelet can never confirm a graceful deletion.
  Deleted ForceDeletePods(const std::vector<nlohmann::json>& pods, int max_parallel);

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

  Deleted DeleteEach(const std::vector<nlohmann::json>& pods, const kube::DeleteOptions& options,
                     int max_parallel);

  kube::RestClient* const client_;
};

std::string RankTableConfigMapName(const std::string& job);

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_OWNED_OBJECTS_H_
