#include "kube/api/core/pod.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/core/core_testing.h"
#include "kube/api/core/quantity.h"

namespace flyover::kube::core {
namespace {

using ::testing::HasSubstr;
using testing::LoadFixture;

TEST(PodCodecTest, RoundTripsServerObjectByteForByte) {
  const nlohmann::json fixture = LoadFixture("pod.json");
  ASSERT_TRUE(fixture.is_object());
  absl::StatusOr<Pod> pod = DecodePod(fixture);
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(EncodePod(*pod).dump(), fixture.dump());
}

TEST(PodCodecTest, DecodesModelledFields) {
  absl::StatusOr<Pod> pod = DecodePod(LoadFixture("pod.json"));
  ASSERT_TRUE(pod.ok()) << pod.status();
  EXPECT_EQ(pod->metadata.name, "llama-sft-worker-3");
  EXPECT_EQ(pod->spec.node_name, "node-a17");
  EXPECT_EQ(pod->spec.scheduler_name, "flyover-scheduler");
  EXPECT_EQ(pod->spec.priority, 1000);
  EXPECT_EQ(pod->spec.termination_grace_period_seconds, 60);
  ASSERT_EQ(pod->spec.containers.size(), 2u);
  const Container& worker = pod->spec.containers[0];
  EXPECT_EQ(worker.command, std::vector<std::string>{"flyover-worker"});
  ASSERT_EQ(worker.env.size(), 2u);
  EXPECT_EQ(worker.env[0].value, "3");
  EXPECT_TRUE(worker.env[1].rest.contains("valueFrom"));
  EXPECT_EQ(ResourceMilliValue(worker.resources.requests, "cpu").value(), 30500);
  EXPECT_EQ(ResourceValue(worker.resources.limits, "huawei.com/Ascend910").value(), 16);
  EXPECT_EQ(pod->status.phase, kPodRunning);
  EXPECT_EQ(pod->status.pod_ip, "172.16.4.21");
  EXPECT_FALSE(IsPodReady(*pod));
  const ContainerStatus* status = FindContainerStatus(pod->status, "worker");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->restart_count, 1);
  ASSERT_TRUE(status->state.waiting.has_value());
  EXPECT_EQ(status->state.waiting->reason, "CrashLoopBackOff");
  ASSERT_TRUE(status->last_state.terminated.has_value());
  EXPECT_EQ(status->last_state.terminated->exit_code, 137);
  EXPECT_EQ(status->last_state.terminated->reason, "OOMKilled");
}

TEST(PodCodecTest, EditsSurviveAndKeepUnmodelledFields) {
  absl::StatusOr<Pod> pod = DecodePod(LoadFixture("pod.json"));
  ASSERT_TRUE(pod.ok()) << pod.status();
  pod->spec.node_name = "node-b02";
  pod->status.phase = kPodFailed;
  const nlohmann::json encoded = EncodePod(*pod);
  EXPECT_EQ(encoded["spec"]["nodeName"], "node-b02");
  EXPECT_EQ(encoded["status"]["phase"], "Failed");
  EXPECT_EQ(encoded["spec"]["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(encoded["metadata"]["selfLink"], "/api/v1/namespaces/team-a/pods/llama-sft-worker-3");
}

TEST(PodCodecTest, MinimalPodEncodesWithoutEmptyFields) {
  Pod pod;
  pod.metadata.name = "w-0";
  pod.metadata.namespace_ = "ml";
  pod.spec.containers.push_back({.name = "worker", .image = "img"});
  EXPECT_EQ(EncodePod(pod).dump(),
            R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"w-0","namespace":"ml"},)"
            R"("spec":{"containers":[{"image":"img","name":"worker","resources":{}}]}})");
}

TEST(PodCodecTest, UnknownFieldsAreKeptNotRejected) {
  const nlohmann::json input = {{"kind", "Pod"},
                                {"metadata", {{"name", "p"}, {"futureMeta", 1}}},
                                {"spec", {{"futureField", {{"a", 1}}}}},
                                {"futureTop", true}};
  absl::StatusOr<Pod> pod = DecodePod(input);
  ASSERT_TRUE(pod.ok()) << pod.status();
  const nlohmann::json encoded = EncodePod(*pod);
  EXPECT_EQ(encoded["spec"]["futureField"]["a"], 1);
  EXPECT_EQ(encoded["metadata"]["futureMeta"], 1);
  EXPECT_EQ(encoded["futureTop"], true);
}

TEST(PodCodecTest, WrongTypesAreErrorsByPath) {
  nlohmann::json input = LoadFixture("pod.json");
  input["spec"]["nodeName"] = 5;
  input["spec"]["containers"][1]["resources"]["limits"] = nlohmann::json::array({1});
  input["status"]["containerStatuses"][1]["restartCount"] = "one";
  input["status"]["conditions"][0]["status"] = "Maybe";
  input["status"]["startTime"] = "yesterday";
  absl::StatusOr<Pod> pod = DecodePod(input);
  ASSERT_EQ(pod.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(pod.status().message());
  EXPECT_THAT(message, HasSubstr("Pod \"llama-sft-worker-3\" is invalid"));
  EXPECT_THAT(message, HasSubstr("spec.nodeName: Invalid value: 5: must be a string"));
  EXPECT_THAT(message, HasSubstr("spec.containers[1].resources.limits"));
  EXPECT_THAT(message, HasSubstr("status.containerStatuses[1].restartCount"));
  EXPECT_THAT(message, HasSubstr("status.conditions[0].status: Unsupported value"));
  EXPECT_THAT(message, HasSubstr("status.startTime"));
}

TEST(PodCodecTest, RejectsWrongKindAndNonObjects) {
  EXPECT_THAT(DecodePod({{"kind", "Node"}}).status().message(),
              HasSubstr("kind: Invalid value: \"Node\": must be \"Pod\""));
  EXPECT_THAT(DecodePod({{"spec", 3}}).status().message(),
              HasSubstr("spec: Invalid value: 3: must be an object"));
  EXPECT_FALSE(DecodePod(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace flyover::kube::core
