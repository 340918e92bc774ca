#include "scheduler/queue/gang_collector.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

using ::testing::ElementsAre;

PodInfo Pod(testing::GangPodSpec spec) {
  return *ParsePodInfo(testing::Pack(testing::MakeGangPod(spec))->view());
}

std::vector<std::string> Names(const PendingGang& gang) {
  std::vector<std::string> names;
  for (const PodInfo& pod : gang.pods) names.push_back(pod.name);
  return names;
}

TEST(GangCollectorTest, GangIsReadyAtMinMemberWithPodsInRankOrder) {
  GangCollector collector("flyover-scheduler");
  EXPECT_EQ(collector.OnPod(Pod({.name = "w-2", .min_member = 3, .rank = 2})), "ml/job-g0");
  EXPECT_FALSE(collector.Get("ml/job-g0")->Ready());
  (void)collector.OnPod(Pod({.name = "w-0", .min_member = 3, .rank = 0}));
  (void)collector.OnPod(
      Pod({.name = "w-1", .min_member = 3, .rank = 1, .created = "2026-11-30T00:00:00Z"}));
  std::optional<PendingGang> gang = collector.Get("ml/job-g0");
  ASSERT_TRUE(gang.has_value());
  EXPECT_TRUE(gang->Ready());
  EXPECT_EQ(gang->min_member, 3);
  EXPECT_EQ(gang->job, "job");
  EXPECT_THAT(Names(*gang), ElementsAre("w-0", "w-1", "w-2"));
  EXPECT_EQ(gang->created, absl::FromCivil(absl::CivilDay(2026, 11, 30), absl::UTCTimeZone()));
  std::optional<GangSummary> summary = collector.Summary("ml/job-g0");
  ASSERT_TRUE(summary.has_value());
  EXPECT_EQ(summary->pods, 3);
  EXPECT_EQ(summary->min_member, 3);
  EXPECT_TRUE(summary->in_gang);
  EXPECT_EQ(summary->created, gang->created);
  EXPECT_FALSE(collector.Summary("ml/other").has_value());
}

TEST(GangCollectorTest, GangPriorityIsItsPodsHighest) {
  GangCollector collector("flyover-scheduler");
  PodInfo low = Pod({.name = "w-0", .min_member = 2});
  PodInfo high = Pod({.name = "w-1", .min_member = 2, .rank = 1});
  low.priority = -3;
  high.priority = 50;
  (void)collector.OnPod(low);
  EXPECT_EQ(collector.Get("ml/job-g0")->priority, -3);
  EXPECT_EQ(collector.Summary("ml/job-g0")->priority, -3);
  (void)collector.OnPod(high);
  EXPECT_EQ(collector.Get("ml/job-g0")->priority, 50);
  EXPECT_EQ(collector.Summary("ml/job-g0")->priority, 50);
}

TEST(GangCollectorTest, BoundOrDeletedPodsLeaveTheirGang) {
  GangCollector collector("flyover-scheduler");
  testing::GangPodSpec spec{.name = "w-0", .min_member = 2};
  (void)collector.OnPod(Pod(spec));
  (void)collector.OnPod(Pod({.name = "w-1", .min_member = 2, .rank = 1}));
  PodInfo bound = Pod(spec);
  bound.node_name = "n1";
  EXPECT_EQ(collector.OnPod(bound), "ml/job-g0");
  EXPECT_THAT(Names(*collector.Get("ml/job-g0")), ElementsAre("w-1"));
  EXPECT_EQ(collector.OnPodDeleted("ml/w-1"), "ml/job-g0");
  EXPECT_FALSE(collector.Get("ml/job-g0").has_value());
  EXPECT_EQ(collector.OnPodDeleted("ml/w-1"), std::nullopt);
}

TEST(GangCollectorTest, ReplacementsAndLonePodsAreUnitsOfTheirOwn) {
  GangCollector collector("flyover-scheduler");
  EXPECT_EQ(collector.OnPod(Pod({.name = "w-5", .min_member = 8, .rank = 5, .replacement = true})),
            "ml/w-5#replacement");
  EXPECT_TRUE(collector.Get("ml/w-5#replacement")->Ready());
  EXPECT_TRUE(collector.Get("ml/w-5#replacement")->replacement);
  PodInfo lone = Pod({.name = "solo"});
  lone.gang = GangSpec{};
  EXPECT_EQ(collector.OnPod(lone), "ml/solo#pod");
  EXPECT_THAT(collector.Keys(), ElementsAre("ml/solo#pod", "ml/w-5#replacement"));
}

TEST(GangCollectorTest, PodsForOtherSchedulersAreIgnored) {
  GangCollector collector("other-scheduler");
  EXPECT_EQ(collector.OnPod(Pod({.name = "w-0"})), std::nullopt);
  EXPECT_TRUE(collector.Keys().empty());
}

}  // namespace
}  // namespace flyover::sched
