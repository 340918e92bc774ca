// JSON encoding and strict decoding of PostTrainingJob.
//
// Decode starts from the C++ defaults (post_training_job.h) and overwrites every field
// the input names; unknown fields, wrong types and missing required fields are all
// reported with their paths. Encode writes every spec field (so an encoded job is fully
// defaulted) and omits empty status fields. Key order is sorted, so encoding is
// deterministic: encode(decode(encode(x))) == encode(x), byte for byte.
#ifndef FLYOVER_KUBE_API_POST_TRAINING_JOB_CODEC_H_
#define FLYOVER_KUBE_API_POST_TRAINING_JOB_CODEC_H_

#include "absl/status/statusor.h"
#include "kube/api/field_error.h"
#include "kube/api/post_training_job.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

// Decodes `value` (apiVersion, kind, metadata, spec, status); appends problems to `errors`.
[[nodiscard]] PostTrainingJob DecodePostTrainingJob(const nlohmann::json& value,
                                                    ErrorList* errors);

// Decode plus validation (post_training_job_validation.h). InvalidArgument lists every
// problem, in kube-apiserver's words.
[[nodiscard]] absl::StatusOr<PostTrainingJob> ParsePostTrainingJob(const nlohmann::json& value);

[[nodiscard]] nlohmann::json EncodePostTrainingJob(const PostTrainingJob& job);

void to_json(nlohmann::json& j, const PostTrainingJobSpec& spec);
void to_json(nlohmann::json& j, const PostTrainingJobStatus& status);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PostTrainingJobSpec* out);
void ReadValue(const nlohmann::json& value, const FieldPath& path, ErrorList* errors,
               PostTrainingJobStatus* out);

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_API_POST_TRAINING_JOB_CODEC_H_
