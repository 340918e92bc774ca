#include "kube/api/field_error.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

TEST(FieldPathTest, BuildsDottedIndexedAndKeyedPaths) {
  FieldPath spec("spec");
  EXPECT_EQ(spec.Child("training").Child("steps").String(), "spec.training.steps");
  EXPECT_EQ(spec.Child("levels").Index(2).String(), "spec.levels[2]");
  EXPECT_EQ(FieldPath("metadata").Child("labels").Key("app").String(), "metadata.labels[app]");
  EXPECT_EQ(FieldPath().Child("kind").String(), "kind");
}

TEST(FieldErrorTest, FormatsLikeKubeApiserver) {
  ErrorList errors;
  errors.Invalid(FieldPath("spec").Child("npusPerReplica"), 3,
                 "must be 1 or an even number from 2 to 16");
  errors.Required(FieldPath("spec").Child("template"));
  errors.NotSupported(FieldPath("spec").Child("mode"), "X", {"A", "B"});
  errors.Duplicate(FieldPath("spec").Child("levels").Index(1), "InPlace");
  errors.Forbidden(FieldPath("metadata").Child("namespace"), "not allowed on this type");
  errors.UnknownField(FieldPath("spec").Child("stpes"));
  errors.TooLong(FieldPath("metadata").Child("annotations"), 10);
  EXPECT_THAT(errors.Strings(),
              ::testing::ElementsAre(
                  "spec.npusPerReplica: Invalid value: 3: must be 1 or an even number from 2 to 16",
                  "spec.template: Required value",
                  "spec.mode: Unsupported value: \"X\": supported values: \"A\", \"B\"",
                  "spec.levels[1]: Duplicate value: \"InPlace\"",
                  "metadata.namespace: Forbidden: not allowed on this type",
                  "spec.stpes: Unknown field",
                  "metadata.annotations: Too long: may not be longer than 10"));
}

TEST(ErrorListTest, ToStatusUsesApiserverWording) {
  ErrorList errors;
  EXPECT_TRUE(errors.ToStatus("PostTrainingJob.training.flyover.dev", "a").ok());
  errors.Required(FieldPath("spec").Child("replicas"));
  absl::Status one = errors.ToStatus("PostTrainingJob.training.flyover.dev", "a");
  EXPECT_EQ(one.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(one.message(),
            "PostTrainingJob.training.flyover.dev \"a\" is invalid: spec.replicas: Required value");
  errors.UnknownField(FieldPath("spec").Child("x"));
  EXPECT_EQ(errors.ToStatus("PostTrainingJob.training.flyover.dev", "a").message(),
            "PostTrainingJob.training.flyover.dev \"a\" is invalid: [spec.replicas: Required "
            "value, spec.x: Unknown field]");
}

}  // namespace
}  // namespace flyover::kube
