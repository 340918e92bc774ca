#include "kube/api/post_training_job_codec.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_testing.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

PostTrainingJob Decode(const json& j, std::vector<std::string>* errors) {
  ErrorList list;
  PostTrainingJob job = DecodePostTrainingJob(j, &list);
  *errors = list.Strings();
  return job;
}

TEST(PostTrainingJobCodecTest, MinimalJobGetsEveryDefault) {
  std::vector<std::string> errors;
  PostTrainingJob job = Decode(testing::MinimalJobJson(), &errors);
  ASSERT_THAT(errors, ::testing::IsEmpty());
  EXPECT_EQ(job.spec.replicas, 2);
  EXPECT_EQ(job.spec.training.steps, 100);
  EXPECT_EQ(job.spec.training.model.layers, 2);
  EXPECT_EQ(job.spec.topology.super_pod_affinity, SuperPodAffinity::kRequired);
  EXPECT_EQ(job.spec.fault_tolerance.recovery_levels.size(), 3u);
  EXPECT_EQ(job.spec.checkpoint.path, "/var/lib/flyover/checkpoints");
  EXPECT_FALSE(job.spec.ttl_seconds_after_finished.has_value());
  const json encoded = EncodePostTrainingJob(job);
  EXPECT_EQ(encoded["spec"]["faultTolerance"]["backoff"]["maxSeconds"], 60);
  EXPECT_FALSE(encoded.contains("status"));
}

TEST(PostTrainingJobCodecTest, FullyPopulatedJobRoundTripsByteIdentically) {
  const PostTrainingJob job = testing::FullyPopulatedJob();
  const json first = EncodePostTrainingJob(job);
  std::vector<std::string> errors;
  const PostTrainingJob decoded = Decode(first, &errors);
  ASSERT_THAT(errors, ::testing::IsEmpty());
  EXPECT_EQ(decoded, job);
  EXPECT_EQ(EncodePostTrainingJob(decoded).dump(), first.dump());
}

TEST(PostTrainingJobCodecTest, UnknownFieldsAreReportedEverywhere) {
  json j = testing::MinimalJobJson();
  j["spec"]["training"]["stpes"] = 1;
  j["spec"]["topology"] = {{"superPodAffinity", "Required"}, {"affinty", "x"}};
  j["spec"]["extra"] = true;
  j["status"] = {{"phse", "Running"}};
  j["surprise"] = 1;
  std::vector<std::string> errors;
  Decode(j, &errors);
  EXPECT_THAT(errors, ::testing::UnorderedElementsAre(
                          "spec.training.stpes: Unknown field",
                          "spec.topology.affinty: Unknown field", "spec.extra: Unknown field",
                          "status.phse: Unknown field", "surprise: Unknown field"));
}

TEST(PostTrainingJobCodecTest, WrongTypesNameFieldAndValue) {
  json j = testing::MinimalJobJson();
  j["spec"]["replicas"] = "two";
  j["spec"]["npusPerReplica"] = 2.5;
  j["spec"]["suspend"] = "yes";
  j["spec"]["training"]["learningRate"] = "fast";
  j["spec"]["faultTolerance"] = {{"recoveryLevels", "InPlace"}};
  std::vector<std::string> errors;
  Decode(j, &errors);
  EXPECT_THAT(errors, ::testing::UnorderedElementsAre(
                          "spec.replicas: Invalid value: \"two\": must be an integer",
                          "spec.npusPerReplica: Invalid value: 2.5: must be an integer",
                          "spec.suspend: Invalid value: \"yes\": must be a boolean",
                          "spec.training.learningRate: Invalid value: \"fast\": must be a number",
                          "spec.faultTolerance.recoveryLevels: Invalid value: \"InPlace\": must be a list"));
}

TEST(PostTrainingJobCodecTest, IntegersOutOfRangeAreRejected) {
  json j = testing::MinimalJobJson();
  j["spec"]["replicas"] = 4294967296LL;
  std::vector<std::string> errors;
  Decode(j, &errors);
  EXPECT_THAT(errors, ElementsAre("spec.replicas: Invalid value: 4294967296: out of range"));
}

TEST(PostTrainingJobCodecTest, MissingRequiredFieldsAndWrongKind) {
  json j = {{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", {{"name", "x"}}},
            {"spec", {{"training", json::object()}}}};
  std::vector<std::string> errors;
  Decode(j, &errors);
  EXPECT_THAT(errors, ::testing::UnorderedElementsAre(
                          "apiVersion: Unsupported value: \"batch/v1\": supported values: "
                          "\"training.flyover.dev/v1alpha1\"",
                          "kind: Unsupported value: \"Job\": supported values: \"PostTrainingJob\"",
                          "spec.replicas: Required value", "spec.npusPerReplica: Required value",
                          "spec.template: Required value", "spec.training.steps: Required value"));
}

TEST(PostTrainingJobCodecTest, NullMeansAbsent) {
  json j = testing::MinimalJobJson();
  j["spec"]["ttlSecondsAfterFinished"] = nullptr;
  j["spec"]["topology"] = nullptr;
  std::vector<std::string> errors;
  PostTrainingJob job = Decode(j, &errors);
  EXPECT_THAT(errors, ::testing::IsEmpty());
  EXPECT_FALSE(job.spec.ttl_seconds_after_finished.has_value());
  EXPECT_EQ(job.spec.topology, TopologySpec{});
}

TEST(PostTrainingJobCodecTest, NotAnObject) {
  std::vector<std::string> errors;
  Decode(json::array(), &errors);
  EXPECT_THAT(errors, ElementsAre(HasSubstr("must be an object")));
}

TEST(PostTrainingJobCodecTest, ParseValidatesAndNamesTheJob) {
  json j = testing::MinimalJobJson();
  j["spec"]["npusPerReplica"] = 3;
  absl::StatusOr<PostTrainingJob> job = ParsePostTrainingJob(j);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().message(),
            "PostTrainingJob.training.flyover.dev \"minimal\" is invalid: spec.npusPerReplica: "
            "Invalid value: 3: must be 1 or an even number from 2 to 16");
  EXPECT_TRUE(ParsePostTrainingJob(testing::MinimalJobJson()).ok());
}

}  // namespace
}  // namespace flyover::kube
