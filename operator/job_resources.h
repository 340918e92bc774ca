// The objects a PostTrainingJob owns, as pure functions of the job: its per-rank pods (one
// gang per restart generation), its headless Service and the Secret holding its
// supervision token. The reconciler (job_reconciler.h) creates what is missing; nothing
// here talks to the API.
//
// Names (docs/design/operator.md):
//   pod      <job>-<rankIndex>-g<generation>  a new generation's pods can be created while
//                                            the previous generation's are still
//                                            terminating, and a gang never reuses a name
//   Service  <job>                           headless, selects every pod of the job
//   Secret   <job>-supervision               key "token"
// kube/api/post_training_job_validation.h caps job names so these stay DNS labels.
//
// Pods carry the labels and annotations of kube/api/scheduling_annotations.h, the
// hccl/rankIndex annotation, schedulerName flyover-scheduler, huawei.com/Ascend910 =
// npusPerReplica on the first container, in every container the environment of
// docs/design/supervision.md section 1 (the token by secretKeyRef, never by value), and the
// volumes of worker_volumes.h (rank table directory, replica directory, checkpoint claim).
// scheduling.flyover.dev/super-pod-block is spec.topology.superPodBlock as written: 0 (the
// default) means the whole gang is one block.
//
// Plain values and pure functions; thread-compatible.
#ifndef FLYOVER_OPERATOR_JOB_RESOURCES_H_
#define FLYOVER_OPERATOR_JOB_RESOURCES_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"

namespace flyover::op {

inline constexpr char kTokenKey[] = "token";
inline constexpr char kDefaultRankTableFile[] = "/user/serverid/devindex/config/hccl.json";
inline constexpr char kFieldManager[] = "flyover-operator";

// What the pods are told beyond the job itself.
struct PodOptions {
  // FLYOVER_SUPERVISION_URL; empty leaves it (and the token) unset: no supervision.
  std::string supervision_url;
  std::string rank_table_file = kDefaultRankTableFile;
  // scheduling.flyover.dev/gang-timeout-seconds.
  int32_t gang_timeout_seconds = 300;
};

std::string PodName(absl::string_view job, int32_t rank_index, int32_t generation);
std::string GangName(absl::string_view job, int32_t generation);
std::string ServiceName(absl::string_view job);
std::string TokenSecretName(absl::string_view job);
// "<namespace>.<name>": FLYOVER_JOB, the rendezvous scope and the endpoint's <job>.
std::string JobId(absl::string_view ns, absl::string_view name);
// "training.flyover.dev/job-name=<job>".
std::string JobPodSelector(absl::string_view job);

// The controller owner reference to `job` (which must have a uid).
nlohmann::json OwnerReferenceTo(const kube::PostTrainingJob& job);
// Whether `object` carries a controller owner reference to the job with `uid`.
bool IsOwnedBy(const nlohmann::json& object, absl::string_view uid);

// The trainer configuration (supervision.md section 4): spec.training and spec.checkpoint
// with the CRD's field names.
nlohmann::json TrainerConfig(const kube::PostTrainingJobSpec& spec);

// The pod of `rank_index` in the job's current generation (status.restartGeneration).
// InvalidArgument naming the field when spec.template is not a pod template with at least
// one container.
absl::StatusOr<nlohmann::json> BuildPod(const kube::PostTrainingJob& job, int32_t rank_index,
                                        const PodOptions& options);
nlohmann::json BuildService(const kube::PostTrainingJob& job);
nlohmann::json BuildTokenSecret(const kube::PostTrainingJob& job, absl::string_view token);

// The token in a Secret built by BuildTokenSecret. InvalidArgument naming the field when
// data.token is missing or not base64.
absl::StatusOr<std::string> TokenFromSecret(const nlohmann::json& secret);

// A new random token: 32 bytes from the system's random device, hex-encoded.
std::string NewToken();

}  // namespace flyover::op

#endif  // FLYOVER_OPERATOR_JOB_RESOURCES_H_
