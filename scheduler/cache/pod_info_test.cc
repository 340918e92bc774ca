#include "scheduler/cache/pod_info.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using testing::GangPodSpec;
using testing::MakeGangPod;
using testing::Pack;

TEST(PodInfoTest, ParsesGangAnnotationsAndRequest) {
  nlohmann::json pod = MakeGangPod(
      {.name = "w-3", .gang = "llama-g2", .min_member = 8, .npus = 16, .rank = 3, .job = "llama"});
  pod["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-affinity"] = "Required";
  pod["metadata"]["annotations"]["scheduling.flyover.dev/spare-nodes-per-super-pod"] = "2";
  absl::StatusOr<PodInfo> info = ParsePodInfo(Pack(pod)->view());
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_TRUE(info->parse_error.ok()) << info->parse_error;
  EXPECT_EQ(info->key, "ml/w-3");
  EXPECT_EQ(info->gang.name, "llama-g2");
  EXPECT_EQ(info->gang.min_member, 8);
  EXPECT_EQ(info->gang.job, "llama");
  EXPECT_EQ(info->gang.super_pod_block, 256);
  EXPECT_TRUE(info->gang.affinity_required);
  EXPECT_EQ(info->gang.spare_nodes, 2);
  EXPECT_EQ(info->npus, 16);
  EXPECT_EQ(info->rank_index, 3);
  EXPECT_EQ(info->created,
            absl::FromCivil(absl::CivilSecond(2026, 12, 1, 0, 0, 0), absl::UTCTimeZone()));
  EXPECT_TRUE(info->IsPendingFor("flyover-scheduler"));
  EXPECT_FALSE(info->IsPendingFor("default-scheduler"));
  EXPECT_FALSE(info->HoldsResources());
}

TEST(PodInfoTest, BoundPodHoldsItsAnnotatedDies) {
  nlohmann::json pod =
      testing::BoundTo(MakeGangPod({.name = "w-0", .npus = 2}), "n1", "Ascend910-4,Ascend910-5");
  absl::StatusOr<PodInfo> info = ParsePodInfo(Pack(pod)->view());
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->HoldsResources());
  EXPECT_FALSE(info->IsPendingFor("flyover-scheduler"));
  EXPECT_EQ(info->devices, topology::DieSet::Of({4, 5}));
  pod["status"]["phase"] = "Succeeded";
  EXPECT_FALSE(ParsePodInfo(Pack(pod)->view())->HoldsResources());
}

TEST(PodInfoTest, MalformedAnnotationIsReportedNotHidden) {
  nlohmann::json pod = MakeGangPod({.name = "w-0"});
  pod["metadata"]["annotations"]["scheduling.flyover.dev/min-member"] = "zero";
  absl::StatusOr<PodInfo> info = ParsePodInfo(Pack(pod)->view());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->parse_error.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(info->parse_error.message()),
              ::testing::HasSubstr("scheduling.flyover.dev/min-member"));
}

TEST(PodInfoTest, ParsesTolerationsSelectorAndRequiredAffinity) {
  nlohmann::json pod = MakeGangPod({.name = "w-0"});
  pod["spec"]["nodeSelector"] = {{"pool", "a"}};
  pod["spec"]["tolerations"] = {
      {{"key", "maint"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}};
  pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
     ["nodeSelectorTerms"] = {
         {{"matchExpressions", {{{"key", "zone"}, {"operator", "In"}, {"values", {"z1", "z2"}}}}}}};
  pod["spec"]["containers"][0]["resources"]["requests"]["cpu"] = "1500m";
  absl::StatusOr<PodInfo> info = ParsePodInfo(Pack(pod)->view());
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->parse_error.ok()) << info->parse_error;
  EXPECT_EQ(info->node_selector.at("pool"), "a");
  ASSERT_EQ(info->tolerations.size(), 1u);
  EXPECT_EQ(info->tolerations[0].op, TolerationOperator::kExists);
  EXPECT_EQ(info->tolerations[0].effect, TaintEffect::kNoSchedule);
  ASSERT_EQ(info->required_affinity.size(), 1u);
  ASSERT_EQ(info->required_affinity[0].requirements.size(), 1u);
  EXPECT_EQ(info->required_affinity[0].requirements[0].values,
            (std::vector<std::string>{"z1", "z2"}));
  EXPECT_EQ(info->cpu_millis, 1500);
  pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
     ["nodeSelectorTerms"][0]["matchExpressions"][0]["operator"] = "Gt";
  EXPECT_THAT(std::string(ParsePodInfo(Pack(pod)->view())->parse_error.message()),
              ::testing::HasSubstr("operator \"Gt\""));
}

TEST(PodInfoTest, ParsesAffinityMatchFieldsOnTheNodeName) {
  nlohmann::json pod = MakeGangPod({.name = "w-0"});
  nlohmann::json& terms =
      pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
         ["nodeSelectorTerms"];
  terms = {{{"matchFields",
             {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {"n7"}}}}}}};
  absl::StatusOr<PodInfo> info = ParsePodInfo(Pack(pod)->view());
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->parse_error.ok()) << info->parse_error;
  ASSERT_EQ(info->required_affinity.size(), 1u);
  EXPECT_TRUE(info->required_affinity[0].requirements.empty());
  ASSERT_EQ(info->required_affinity[0].fields.size(), 1u);
  EXPECT_EQ(info->required_affinity[0].fields[0].key, "metadata.name");
  EXPECT_TRUE(info->required_affinity[0].Matches({}, "n7"));
  EXPECT_FALSE(info->required_affinity[0].Matches({}, "n8"));
  terms[0]["matchFields"][0]["key"] = "metadata.labels";
  EXPECT_THAT(std::string(ParsePodInfo(Pack(pod)->view())->parse_error.message()),
              ::testing::HasSubstr("key \"metadata.labels\" is not supported"));
  terms[0]["matchFields"][0]["key"] = "metadata.name";
  terms[0]["matchFields"][0]["operator"] = "Exists";
  EXPECT_THAT(std::string(ParsePodInfo(Pack(pod)->view())->parse_error.message()),
              ::testing::HasSubstr("matchFields: operator \"Exists\""));
}

TEST(PodInfoTest, PriorityIsSpecPriorityOrZero) {
  nlohmann::json pod = MakeGangPod({.name = "w-0"});
  EXPECT_EQ(ParsePodInfo(Pack(pod)->view())->priority, 0);
  pod["spec"]["priorityClassName"] = "high";  // resolved by admission, not by the scheduler
  pod["spec"]["priority"] = 1000;
  EXPECT_EQ(ParsePodInfo(Pack(pod)->view())->priority, 1000);
  pod["spec"]["priority"] = -7;
  EXPECT_EQ(ParsePodInfo(Pack(pod)->view())->priority, -7);
}

TEST(PodInfoTest, PodWithoutNameIsRejected) {
  nlohmann::json pod = MakeGangPod({.name = "w-0"});
  pod["metadata"].erase("name");
  absl::StatusOr<kube::PackedJson> packed = kube::PackedJson::Pack(pod);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(ParsePodInfo(packed->view()).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::sched
