#include "cli/job_summary.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/api/yaml.h"

namespace flyover::cli {
namespace {

using ::testing::HasSubstr;

kube::PostTrainingJob Load(const std::string& file) {
  absl::StatusOr<std::vector<nlohmann::json>> docs = kube::ReadYamlFile(file);
  EXPECT_TRUE(docs.ok()) << docs.status();
  absl::StatusOr<kube::PostTrainingJob> job = kube::ParsePostTrainingJob((*docs)[0]);
  EXPECT_TRUE(job.ok()) << job.status();
  return *job;
}

TEST(EstimatePlacementTest, TinyJobFitsOnOneNode) {
  PlacementEstimate p = EstimatePlacement(Load("deploy/examples/tiny.yaml").spec);
  EXPECT_EQ(p.dies, 4);
  EXPECT_EQ(p.chips, 2);
  EXPECT_EQ(p.pods_per_node, 8);
  EXPECT_EQ(p.nodes, 1);
  EXPECT_EQ(p.logical_super_pods, 1);
  EXPECT_EQ(p.min_super_pods, 1);
}

TEST(EstimatePlacementTest, LargeJobPacksBlocksIntoSuperPods) {
  PlacementEstimate p = EstimatePlacement(Load("deploy/examples/large-1024.yaml").spec);
  EXPECT_EQ(p.dies, 16384);
  EXPECT_EQ(p.nodes, 1024);
  EXPECT_EQ(p.logical_super_pods, 128);  // blocks of 128 dies = 8 nodes
  EXPECT_EQ(p.nodes_per_block, 8);
  EXPECT_EQ(p.min_super_pods, 26);        // 5 blocks fit in 46 usable nodes: ceil(128 / 5)
}

TEST(EstimatePlacementTest, PreferredAffinityCountsNodesOnly) {
  kube::PostTrainingJobSpec spec = Load("deploy/examples/large-1024.yaml").spec;
  spec.topology.super_pod_affinity = kube::SuperPodAffinity::kPreferred;
  EXPECT_EQ(EstimatePlacement(spec).min_super_pods, 23);  // ceil(1024 / 46)
}

TEST(EstimatePlacementTest, BlockLargerThanASuperPodIsFlagged) {
  kube::PostTrainingJobSpec spec = Load("deploy/examples/large-1024.yaml").spec;
  spec.topology.super_pod_block = 1024;  // 64 nodes > 46 usable
  EXPECT_EQ(EstimatePlacement(spec).min_super_pods, 0);
}

TEST(SummarizeJobTest, NamesEverythingAUserChecks) {
  const std::string summary = SummarizeJob(Load("deploy/examples/tiny.yaml"));
  EXPECT_THAT(summary, HasSubstr("default/tiny: valid"));
  EXPECT_THAT(summary, HasSubstr("2 pods × 2 NPUs = 4 Ascend 910C dies on 1 node"));
  EXPECT_THAT(summary, HasSubstr("600 steps, global batch 32 (8 per rank in micro-batches of 4)"));
  EXPECT_THAT(summary, HasSubstr("InPlace → ReschedulePod → RestartJob"));
  EXPECT_THAT(summary, HasSubstr("every 25 steps to /var/lib/flyover/checkpoints, keep 3"));
}

}  // namespace
}  // namespace flyover::cli
