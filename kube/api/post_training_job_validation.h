// Validation of PostTrainingJob: field bounds, Ascend placement rules and the cross-field
// rules. Every problem is appended with its field path and reason, in kube-apiserver's
// words, e.g. `spec.npusPerReplica: Invalid value: 3: must be 1 or an even number from 2
// to 16`. The operator and the embedded API server both call this, so an invalid job is
// refused at admission and never reaches pods.
//
// The CRD (crds/) states the same rules in OpenAPI bounds and x-kubernetes-validations
// (CEL) for real clusters; CrossFieldRules() lists the messages both must carry, and a
// test checks the CRD against it.
#ifndef FLYOVER_KUBE_API_POST_TRAINING_JOB_VALIDATION_H_
#define FLYOVER_KUBE_API_POST_TRAINING_JOB_VALIDATION_H_

#include <string>
#include <vector>

#include "kube/api/field_error.h"
#include "kube/api/post_training_job.h"

namespace flyover::kube {

// Longest job name: pod names append "-<rank>-g<generation>" and must stay DNS labels.
inline constexpr size_t kMaxJobNameLength = 45;

void ValidatePostTrainingJob(const PostTrainingJob& job, ErrorList* errors);
void ValidatePostTrainingJobSpec(const PostTrainingJobSpec& spec, const FieldPath& path,
                                 ErrorList* errors);

// Checks an update of `old_job` to `new_job`: the new object must be valid, and only
// `suspend`, `ttlSecondsAfterFinished` and `faultTolerance` may change in the spec.
void ValidatePostTrainingJobUpdate(const PostTrainingJob& old_job,
                                   const PostTrainingJob& new_job, ErrorList* errors);

// Tokens in the longest generated arithmetic example "a+b=c" with BOS and EOS.
[[nodiscard]] int32_t LongestArithmeticExampleTokens(int32_t max_operand);

// A rule that relates several fields. `message` is the detail of the C++ error and,
// verbatim, the message of the CEL rule at `crd_path` in the CRD schema.
struct CrossFieldRule {
  std::string crd_path;  // where the CEL rule sits, e.g. "spec.training"
  std::string message;
};
[[nodiscard]] const std::vector<CrossFieldRule>& CrossFieldRules();

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_POST_TRAINING_JOB_VALIDATION_H_
