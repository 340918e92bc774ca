#include "worker/ranktable/local_rank_table.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

TEST(LocalRankTableTest, LaysRanksOutConsecutivelyOnPods) {
  absl::StatusOr<RankTable> table = GenerateLocalRankTable({.ranks = 4, .ranks_per_pod = 2});
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->WorldSize(), 4);
  EXPECT_THAT(table->ServerIds(), ::testing::ElementsAre("pod-0", "pod-1"));
  absl::StatusOr<LocalRanks> pod1 = FindLocalRanks(*table, 1, 2);
  ASSERT_TRUE(pod1.ok()) << pod1.status();
  EXPECT_EQ(pod1->devices[0].rank_id, 2);
  EXPECT_EQ(pod1->devices[1].device_id, 1);
  absl::StatusOr<RankTable> parsed = ParseRankTable(SerializeRankTable(*table));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->WorldSize(), 4);
}

TEST(LocalRankTableTest, Version12HasOneSuperPodWithEveryPod) {
  absl::StatusOr<RankTable> table = GenerateLocalRankTable(
      {.ranks = 6, .ranks_per_pod = 2, .version = RankTableVersion::kV1_2});
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_EQ(table->super_pods.size(), 1u);
  EXPECT_EQ(table->super_pods[0].server_ids.size(), 3u);
  EXPECT_EQ(table->servers[2].devices[1].super_device_id, 5);
  EXPECT_TRUE(ParseRankTable(SerializeRankTable(*table)).ok());
}

TEST(LocalRankTableTest, RejectsRanksNotDivisibleIntoPods) {
  absl::StatusOr<RankTable> table = GenerateLocalRankTable({.ranks = 5, .ranks_per_pod = 2});
  EXPECT_TRUE(absl::IsInvalidArgument(table.status()));
  EXPECT_THAT(table.status().message(), ::testing::HasSubstr("ranks: 5"));
  EXPECT_FALSE(GenerateLocalRankTable({.ranks = 0, .ranks_per_pod = 1}).ok());
}

}  // namespace
}  // namespace flyover::worker
