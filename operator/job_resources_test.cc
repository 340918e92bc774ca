#include "operator/job_resources.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

kube::PostTrainingJob Job(int32_t generation = 0) {
  absl::StatusOr<kube::PostTrainingJob> job =
      kube::ParsePostTrainingJob(testing::JobJson("tiny", 2, 4, 300));
  EXPECT_TRUE(job.ok()) << job.status();
  job->metadata.uid = "uid-1";
  job->status.restart_generation = generation;
  return *job;
}

std::string EnvValue(const nlohmann::json& container, const std::string& name) {
  for (const nlohmann::json& var : container["env"]) {
    if (var["name"] == name)
      return var.contains("value") ? var["value"].get<std::string>() : "<ref>";
  }
  return "<unset>";
}

TEST(JobResourcesTest, PodCarriesGangLabelsAnnotationsAndResources) {
  absl::StatusOr<nlohmann::json> pod = BuildPod(Job(3), 1, {.supervision_url = "http://op:8443"});
  ASSERT_TRUE(pod.ok()) << pod.status();
  const nlohmann::json& meta = (*pod)["metadata"];
  EXPECT_EQ(meta["name"], "tiny-1-g3");
  EXPECT_EQ(meta["labels"]["training.flyover.dev/job-name"], "tiny");
  EXPECT_EQ(meta["labels"]["training.flyover.dev/generation"], "3");
  EXPECT_EQ(meta["labels"]["training.flyover.dev/rank-index"], "1");
  EXPECT_EQ(meta["annotations"]["hccl/rankIndex"], "1");
  EXPECT_EQ(meta["annotations"]["scheduling.flyover.dev/gang"], "tiny-g3");
  EXPECT_EQ(meta["annotations"]["scheduling.flyover.dev/min-member"], "2");
  // No spec.topology.superPodBlock: 0, the whole gang is one block.
  EXPECT_EQ(meta["annotations"]["scheduling.flyover.dev/super-pod-block"], "0");
  EXPECT_EQ(meta["annotations"]["scheduling.flyover.dev/super-pod-affinity"], "Required");
  EXPECT_EQ(meta["annotations"]["scheduling.flyover.dev/job"], "tiny");
  EXPECT_EQ(meta["ownerReferences"][0]["uid"], "uid-1");
  EXPECT_TRUE(meta["ownerReferences"][0]["controller"].get<bool>());
  const nlohmann::json& spec = (*pod)["spec"];
  EXPECT_EQ(spec["schedulerName"], "flyover-scheduler");
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["containers"][0]["resources"]["limits"]["huawei.com/Ascend910"], "4");
  EXPECT_EQ(spec["containers"][0]["resources"]["requests"]["huawei.com/Ascend910"], "4");
}

TEST(JobResourcesTest, ExplicitSuperPodBlockIsPassedThrough) {
  kube::PostTrainingJob job = Job();
  job.spec.topology.super_pod_block = 16;
  absl::StatusOr<nlohmann::json> pod = BuildPod(job, 0, {});
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ((*pod)["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-block"], "16");
}

TEST(JobResourcesTest, PodMountsTheRankTableDirectory) {
  absl::StatusOr<nlohmann::json> pod = BuildPod(Job(), 0, {.rank_table_file = "/etc/t/h.json"});
  ASSERT_TRUE(pod.ok()) << pod.status();
  const nlohmann::json& container = (*pod)["spec"]["containers"][0];
  EXPECT_THAT(container["volumeMounts"],
              Contains(nlohmann::json({{"name", "flyover-rank-table"}, {"mountPath", "/etc/t"}})));
  EXPECT_EQ(EnvValue(container, "FLYOVER_REPLICA_DIR"), "/dev/shm/flyover-replicas");
}

TEST(JobResourcesTest, PodEnvironmentFollowsSupervisionDesign) {
  absl::StatusOr<nlohmann::json> pod = BuildPod(Job(2), 0, {.supervision_url = "http://op:8443"});
  ASSERT_TRUE(pod.ok());
  const nlohmann::json& container = (*pod)["spec"]["containers"][0];
  EXPECT_EQ(EnvValue(container, "FLYOVER_JOB"), "default.tiny");
  EXPECT_EQ(EnvValue(container, "FLYOVER_RANK_INDEX"), "0");
  EXPECT_EQ(EnvValue(container, "FLYOVER_REPLICAS"), "2");
  EXPECT_EQ(EnvValue(container, "FLYOVER_NPUS_PER_REPLICA"), "4");
  EXPECT_EQ(EnvValue(container, "FLYOVER_GENERATION"), "2");
  EXPECT_EQ(EnvValue(container, "FLYOVER_SUPERVISION_URL"), "http://op:8443");
  EXPECT_EQ(EnvValue(container, "RANK_TABLE_FILE"), "/user/serverid/devindex/config/hccl.json");
  EXPECT_EQ(EnvValue(container, "POD_NAME"), "<ref>");
  const nlohmann::json config = nlohmann::json::parse(EnvValue(container, "FLYOVER_JOB_CONFIG"));
  EXPECT_EQ(config["training"]["steps"], 300);
  EXPECT_EQ(config["checkpoint"]["intervalSteps"], 100);
  nlohmann::json token_ref;
  for (const nlohmann::json& var : container["env"]) {
    if (var["name"] == "FLYOVER_SUPERVISION_TOKEN") token_ref = var["valueFrom"]["secretKeyRef"];
  }
  EXPECT_EQ(token_ref, (nlohmann::json{{"name", "tiny-supervision"}, {"key", "token"}}));
}

TEST(JobResourcesTest, NoSupervisionUrlLeavesUrlAndTokenUnset) {
  absl::StatusOr<nlohmann::json> pod = BuildPod(Job(), 0, {});
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(EnvValue((*pod)["spec"]["containers"][0], "FLYOVER_SUPERVISION_URL"), "<unset>");
  EXPECT_EQ(EnvValue((*pod)["spec"]["containers"][0], "FLYOVER_SUPERVISION_TOKEN"), "<unset>");
}

TEST(JobResourcesTest, TemplateEnvIsKeptAndOursWins) {
  kube::PostTrainingJob job = Job();
  job.spec.template_["spec"]["containers"][0]["env"] = {
      {{"name", "KEEP"}, {"value", "1"}}, {{"name", "FLYOVER_REPLICAS"}, {"value", "9"}}};
  absl::StatusOr<nlohmann::json> pod = BuildPod(job, 0, {});
  ASSERT_TRUE(pod.ok());
  EXPECT_EQ(EnvValue((*pod)["spec"]["containers"][0], "KEEP"), "1");
  EXPECT_EQ(EnvValue((*pod)["spec"]["containers"][0], "FLYOVER_REPLICAS"), "2");
}

TEST(JobResourcesTest, TemplateWithoutContainersIsRefusedNamingTheField) {
  kube::PostTrainingJob job = Job();
  job.spec.template_ = {{"spec", {{"containers", nlohmann::json::array()}}}};
  absl::StatusOr<nlohmann::json> pod = BuildPod(job, 0, {});
  EXPECT_EQ(pod.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(pod.status().message(), HasSubstr("spec.template.spec.containers"));
}

TEST(JobResourcesTest, ServiceIsHeadlessAndSelectsTheJob) {
  const nlohmann::json service = BuildService(Job());
  EXPECT_EQ(service["metadata"]["name"], "tiny");
  EXPECT_EQ(service["spec"]["clusterIP"], "None");
  EXPECT_EQ(service["spec"]["selector"]["training.flyover.dev/job-name"], "tiny");
}

TEST(JobResourcesTest, TokenRoundTripsThroughTheSecret) {
  const std::string token = NewToken();
  EXPECT_EQ(token.size(), 64u);
  EXPECT_NE(token, NewToken());
  const nlohmann::json secret = BuildTokenSecret(Job(), token);
  EXPECT_EQ(secret["metadata"]["name"], "tiny-supervision");
  absl::StatusOr<std::string> read = TokenFromSecret(secret);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, token);
  EXPECT_THAT(TokenFromSecret({{"data", nlohmann::json::object()}}).status().message(),
              HasSubstr("data.token"));
}

TEST(JobResourcesTest, OwnershipIsByControllerUid) {
  const nlohmann::json service = BuildService(Job());
  EXPECT_TRUE(IsOwnedBy(service, "uid-1"));
  EXPECT_FALSE(IsOwnedBy(service, "uid-2"));
  EXPECT_FALSE(IsOwnedBy(nlohmann::json{{"metadata", nlohmann::json::object()}}, "uid-1"));
}

}  // namespace
}  // namespace flyover::op
