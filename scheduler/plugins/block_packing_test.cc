#include "scheduler/plugins/block_packing.h"

#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace flyover::sched::plugins {
namespace {

int64_t PodsIn(const Packing& packing) {
  int64_t pods = 0;
  for (const Segment& s : packing.segments) pods += s.pods;
  return pods;
}

TEST(FewestGroupsTest, CountsWholeUnitsOfTheLargestGroups) {
  const std::vector<int64_t> capacity{40, 46, 10, 30};
  EXPECT_EQ(FewestGroups(capacity, 16, 2), 1);  // 46 holds two blocks of 16
  EXPECT_EQ(FewestGroups(capacity, 16, 3), 2);
  EXPECT_EQ(FewestGroups(capacity, 16, 5), 3);  // 2 + 2 + 1
  EXPECT_EQ(FewestGroups(capacity, 16, 6), std::nullopt);
  EXPECT_EQ(FewestGroups(capacity, 1, 0), 0);
}

TEST(PackBlocksTest, RequiredNeverSplitsABlockAndPicksTheTightestSuperPods) {
  // Two blocks of 16: super-pod 2 (capacity 33) holds both and wastes least.
  const std::vector<int64_t> capacity{46, 40, 33, 10};
  std::optional<Packing> packing = PackBlocks(capacity, 16, 2, SuperPodAffinity::kRequired);
  ASSERT_TRUE(packing.has_value());
  ASSERT_EQ(packing->segments.size(), 1u);
  EXPECT_EQ(packing->segments[0].group, 2);
  EXPECT_EQ(packing->segments[0].pods, 32);
  EXPECT_EQ(packing->lower_bound, 1);
}

TEST(PackBlocksTest, SpendsSlackOnSparingTheLargestSuperPods) {
  // Two super-pods are needed for 60 pods; 30 + 30 suffices, so 48 and 40 stay whole.
  const std::vector<int64_t> capacity{48, 40, 30, 30};
  std::optional<Packing> packing = PackBlocks(capacity, 1, 60, SuperPodAffinity::kRequired);
  ASSERT_TRUE(packing.has_value());
  ASSERT_EQ(packing->segments.size(), 2u);
  std::set<int> groups{packing->segments[0].group, packing->segments[1].group};
  EXPECT_EQ(groups, (std::set<int>{2, 3}));
}

TEST(PackBlocksTest, RequiredFailsWhenNoSuperPodHoldsABlock) {
  const std::vector<int64_t> capacity{40, 40};
  EXPECT_FALSE(PackBlocks(capacity, 64, 1, SuperPodAffinity::kRequired).has_value());
  std::optional<Packing> soft = PackBlocks(capacity, 64, 1, SuperPodAffinity::kPreferred);
  ASSERT_TRUE(soft.has_value());
  EXPECT_EQ(soft->groups_used, 2);
  EXPECT_EQ(PodsIn(*soft), 64);
}

TEST(PackBlocksTest, PreferredKeepsBlocksWholeWhenThatCostsNoExtraSuperPod) {
  const std::vector<int64_t> capacity{32, 32, 20};
  std::optional<Packing> packing = PackBlocks(capacity, 16, 4, SuperPodAffinity::kPreferred);
  ASSERT_TRUE(packing.has_value());
  EXPECT_EQ(packing->groups_used, 2);
  for (const Segment& s : packing->segments) EXPECT_EQ(s.pods % 16, 0);
}

TEST(PackBlocksTest, MeetsTheLowerBoundOnRandomCapacities) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<int64_t> capacity(1 + rng() % 20);
    for (int64_t& c : capacity) c = static_cast<int64_t>(rng() % 49);
    const int64_t block = 1 + static_cast<int64_t>(rng() % 24);
    const int64_t blocks = 1 + static_cast<int64_t>(rng() % 8);
    for (SuperPodAffinity affinity : {SuperPodAffinity::kRequired, SuperPodAffinity::kPreferred}) {
      std::optional<Packing> packing = PackBlocks(capacity, block, blocks, affinity);
      const std::optional<int> bound =
          affinity == SuperPodAffinity::kRequired ? FewestGroups(capacity, block, blocks)
                                                  : FewestGroups(capacity, 1, block * blocks);
      ASSERT_EQ(packing.has_value(), bound.has_value());
      if (!packing) continue;
      EXPECT_EQ(packing->groups_used, *bound);
      EXPECT_EQ(PodsIn(*packing), block * blocks);
      for (const Segment& s : packing->segments) {
        EXPECT_LE(s.pods, capacity[static_cast<size_t>(s.group)]);
        if (affinity == SuperPodAffinity::kRequired) {
          EXPECT_EQ(s.pods % block, 0);
        }
      }
    }
  }
}

}  // namespace
}  // namespace flyover::sched::plugins
