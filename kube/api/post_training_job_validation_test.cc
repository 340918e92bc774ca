#include "kube/api/post_training_job_validation.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/post_training_job_testing.h"
#include "kube/api/yaml.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Tests run from the repository root (flyover_test sets the working directory).
constexpr char kExamples[] = "deploy/examples";

std::vector<std::string> Errors(const PostTrainingJob& job) {
  ErrorList errors;
  ValidatePostTrainingJob(job, &errors);
  return errors.Strings();
}

PostTrainingJob Minimal() {
  ErrorList errors;
  return DecodePostTrainingJob(testing::MinimalJobJson(), &errors);
}

// Every problem a job produces: decoding first, then validation (as ParsePostTrainingJob).
std::vector<std::string> AllErrors(const json& document) {
  ErrorList errors;
  PostTrainingJob job = DecodePostTrainingJob(document, &errors);
  if (errors.empty()) ValidatePostTrainingJob(job, &errors);
  return errors.Strings();
}

std::vector<std::string> ExpectedErrors(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);) {
    if (absl::StartsWith(line, "# expect: ")) expected.push_back(line.substr(10));
  }
  return expected;
}

std::vector<std::filesystem::path> YamlFiles(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(ExamplesTest, ValidExamplesValidateAndRoundTripByteIdentically) {
  const auto files = YamlFiles(kExamples);
  ASSERT_GE(files.size(), 2u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    absl::StatusOr<std::vector<json>> docs = ReadYamlFile(file.string());
    ASSERT_TRUE(docs.ok()) << docs.status();
    for (const json& doc : *docs) {
      absl::StatusOr<PostTrainingJob> job = ParsePostTrainingJob(doc);
      ASSERT_TRUE(job.ok()) << job.status();
      const std::string first = EncodePostTrainingJob(*job).dump();
      absl::StatusOr<PostTrainingJob> again = ParsePostTrainingJob(json::parse(first));
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_EQ(EncodePostTrainingJob(*again).dump(), first);
    }
  }
}

TEST(ExamplesTest, InvalidExamplesProduceExactlyTheirDocumentedErrors) {
  const auto files = YamlFiles(std::string(kExamples) + "/invalid");
  ASSERT_GE(files.size(), 5u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    const std::vector<std::string> expected = ExpectedErrors(file);
    ASSERT_FALSE(expected.empty()) << "an invalid example must say what it expects";
    absl::StatusOr<std::vector<json>> docs = ReadYamlFile(file.string());
    ASSERT_TRUE(docs.ok()) << docs.status();
    ASSERT_EQ(docs->size(), 1u);
    EXPECT_EQ(AllErrors((*docs)[0]), expected);
  }
}

TEST(ExamplesTest, TheLargeExampleIsThe1024PodJob) {
  absl::StatusOr<std::vector<json>> docs = ReadYamlFile(std::string(kExamples) + "/large-1024.yaml");
  ASSERT_TRUE(docs.ok());
  absl::StatusOr<PostTrainingJob> job = ParsePostTrainingJob((*docs)[0]);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->spec.replicas, 1024);
  EXPECT_EQ(job->spec.npus_per_replica, 16);
}

TEST(ValidationTest, MinimalJobIsValid) { EXPECT_THAT(Errors(Minimal()), IsEmpty()); }

TEST(ValidationTest, NpusPerReplicaRules) {
  for (int npus : {0, 3, 5, 15, 17, 18}) {
    PostTrainingJob job = Minimal();
    job.spec.npus_per_replica = npus;
    EXPECT_THAT(Errors(job),
                ElementsAre(absl::StrCat("spec.npusPerReplica: Invalid value: ", npus,
                                         ": must be 1 or an even number from 2 to 16")))
        << npus;
  }
  PostTrainingJob single = Minimal();
  single.spec.replicas = 1;
  single.spec.npus_per_replica = 1;
  single.spec.training.global_batch_size = 8;
  EXPECT_THAT(Errors(single), IsEmpty());
}

TEST(ValidationTest, SuperPodBlockRules) {
  PostTrainingJob job = Minimal();
  job.spec.replicas = 8;
  job.spec.npus_per_replica = 16;
  job.spec.training.global_batch_size = 8 * 16 * 4;
  job.spec.topology.super_pod_block = 64;
  EXPECT_THAT(Errors(job), IsEmpty());
  job.spec.topology.super_pod_block = 24;
  EXPECT_THAT(Errors(job),
              ElementsAre("spec.topology.superPodBlock: Invalid value: 24: must be a multiple of "
                          "npusPerReplica",
                          "spec.topology.superPodBlock: Invalid value: 24: must divide the job's "
                          "NPUs (replicas × npusPerReplica) = 128",
                          "spec.topology.superPodBlock: Invalid value: 24: must be a multiple of "
                          "16 when larger than one node"));
}

TEST(ValidationTest, RecoveryLevelsMustBeUniqueAndNonEmpty) {
  PostTrainingJob job = Minimal();
  job.spec.fault_tolerance.recovery_levels = {RecoveryLevel::kInPlace, RecoveryLevel::kInPlace};
  EXPECT_THAT(Errors(job), ElementsAre("spec.faultTolerance.recoveryLevels[1]: Duplicate value: "
                                       "\"InPlace\""));
  job.spec.fault_tolerance.recovery_levels.clear();
  EXPECT_THAT(Errors(job), ElementsAre("spec.faultTolerance.recoveryLevels: Required value: at "
                                       "least one recovery level"));
}

TEST(ValidationTest, TemplateNeedsAContainer) {
  PostTrainingJob job = Minimal();
  job.spec.template_ = json::parse(R"({"spec": {"containers": []}})");
  EXPECT_THAT(Errors(job), ElementsAre("spec.template.spec.containers: Required value: at least "
                                       "one container (the worker)"));
  job.spec.template_ = json::parse(R"({"spec": {"containers": [{"image": "x"}]}})");
  EXPECT_THAT(Errors(job), ElementsAre("spec.template.spec.containers[0].name: Required value"));
}

TEST(ValidationTest, LongJobNamesAreRefused) {
  PostTrainingJob job = Minimal();
  job.metadata.name = std::string(46, 'a');
  EXPECT_THAT(Errors(job), ElementsAre(::testing::HasSubstr("must be no more than 45 characters")));
}

TEST(ValidationTest, LongestArithmeticExample) {
  EXPECT_EQ(LongestArithmeticExampleTokens(9), 2 + 2 + 4);      // 9+9=18
  EXPECT_EQ(LongestArithmeticExampleTokens(99), 4 + 3 + 4);     // 99+99=198
  EXPECT_EQ(LongestArithmeticExampleTokens(50), 4 + 3 + 4);     // 50+50=100
}

TEST(UpdateValidationTest, OnlySuspendTtlAndFaultToleranceMayChange) {
  const PostTrainingJob old_job = Minimal();
  PostTrainingJob updated = old_job;
  updated.spec.suspend = true;
  updated.spec.ttl_seconds_after_finished = 60;
  updated.spec.fault_tolerance.max_restarts = 3;
  ErrorList ok;
  ValidatePostTrainingJobUpdate(old_job, updated, &ok);
  EXPECT_THAT(ok.Strings(), IsEmpty());

  updated.spec.replicas = 4;
  updated.spec.training.steps = 200;
  ErrorList errors;
  ValidatePostTrainingJobUpdate(old_job, updated, &errors);
  EXPECT_THAT(errors.Strings(), ElementsAre("spec.replicas: Invalid value: 4: field is immutable",
                                            "spec.training: Invalid value: \"object\": field is "
                                            "immutable"));
}

}  // namespace
}  // namespace flyover::kube
