// ObjectCodec<T>: what TypedClient<T> needs to know about an API type: its resource and
// how to turn it into JSON and back.
//
//   template <> struct ObjectCodec<MyType> {
//     static const ResourceDescriptor& Resource();
//     static absl::StatusOr<MyType> Decode(const nlohmann::json& object);  // strict
//     static nlohmann::json Encode(const MyType& object);
//   };
//
// Decode errors are InvalidArgument listing every field problem (kube/api/field_error.h).
// PostTrainingJob is provided here; the core types add theirs beside their codecs.
#ifndef FLYOVER_KUBE_CLIENT_OBJECT_CODEC_H_
#define FLYOVER_KUBE_CLIENT_OBJECT_CODEC_H_

#include "absl/status/statusor.h"
#include "kube/api/post_training_job.h"
#include "kube/client/resource.h"
#include "nlohmann/json.hpp"

namespace flyover::kube {

template <typename T>
struct ObjectCodec;

template <>
struct ObjectCodec<PostTrainingJob> {
  static const ResourceDescriptor& Resource() { return PostTrainingJobsResource(); }
  // Decoding only: a stored object is not validated again.
  [[nodiscard]] static absl::StatusOr<PostTrainingJob> Decode(const nlohmann::json& object);
  [[nodiscard]] static nlohmann::json Encode(const PostTrainingJob& job);
};

}  // namespace flyover::kube

#endif  // FLYOVER_KUBE_CLIENT_OBJECT_CODEC_H_
