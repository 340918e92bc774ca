#include "kube/client/object_codec.h"

#include "absl/strings/str_cat.h"
#include "kube/api/field_error.h"
#include "kube/api/post_training_job_codec.h"

namespace flyover::kube {

absl::StatusOr<PostTrainingJob> ObjectCodec<PostTrainingJob>::Decode(const nlohmann::json& object) {
  ErrorList errors;
  PostTrainingJob job = DecodePostTrainingJob(object, &errors);
  if (!errors.empty()) {
    return errors.ToStatus(absl::StrCat(kPostTrainingJobKind, ".", kPostTrainingJobGroup),
                           job.metadata.name);
  }
  return job;
}

nlohmann::json ObjectCodec<PostTrainingJob>::Encode(const PostTrainingJob& job) {
  return EncodePostTrainingJob(job);
}

}  // namespace flyover::kube
