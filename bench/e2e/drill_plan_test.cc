#include "bench/e2e/drill_plan.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::drill {
namespace {

using ::testing::HasSubstr;

const std::vector<FaultKind> kFour = {FaultKind::kRankKill, FaultKind::kPodDelete,
                                      FaultKind::kNodeStop, FaultKind::kDeviceEcc};

TEST(ParseKindsTest, NamesRoundTripAndUnknownIsNamed) {
  auto kinds = ParseKinds("rank-kill,pod-delete,node-stop,device-ecc");
  ASSERT_TRUE(kinds.ok()) << kinds.status();
  EXPECT_EQ(*kinds, kFour);
  for (FaultKind k : kFour) EXPECT_EQ(ParseKinds(KindName(k))->front(), k);
  EXPECT_THAT(ParseKinds("rank-kill,meteor").status().message(), HasSubstr("\"meteor\""));
  EXPECT_THAT(ParseKinds("").status().message(), HasSubstr("no fault kind"));
}

TEST(PlanFaultsTest, StepsInRangeSpacedAndSortedWithEveryKind) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto plan = PlanFaults(
        {.count = 6, .kinds = kFour, .first = 100, .last = 1400, .spacing = 150, .seed = seed});
    ASSERT_TRUE(plan.ok()) << plan.status();
    ASSERT_EQ(plan->size(), 6u);
    std::set<FaultKind> seen;
    for (size_t i = 0; i < plan->size(); ++i) {
      const PlannedFault& f = (*plan)[i];
      EXPECT_GE(f.step, 100);
      EXPECT_LE(f.step, 1400);
      if (i > 0) {
        EXPECT_GE(f.step - (*plan)[i - 1].step, 150) << "seed " << seed;
      }
      seen.insert(f.kind);
    }
    EXPECT_EQ(seen.size(), 4u) << "seed " << seed;
  }
}

TEST(PlanFaultsTest, SameSeedSamePlanOtherSeedOtherPlan) {
  const PlanOptions options{.count = 5, .kinds = kFour, .first = 0, .last = 1000, .spacing = 50,
                            .seed = 7};
  auto a = PlanFaults(options), b = PlanFaults(options);
  PlanOptions other = options;
  other.seed = 8;
  auto c = PlanFaults(other);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  std::vector<int64_t> steps_a, steps_b, steps_c;
  for (const auto& f : *a) steps_a.push_back(f.step);
  for (const auto& f : *b) steps_b.push_back(f.step);
  for (const auto& f : *c) steps_c.push_back(f.step);
  EXPECT_EQ(steps_a, steps_b);
  EXPECT_NE(steps_a, steps_c);
}

TEST(PlanFaultsTest, RefusesWhatDoesNotFit) {
  EXPECT_THAT(PlanFaults({.count = 3, .kinds = kFour, .first = 0, .last = 100, .spacing = 60})
                  .status()
                  .message(),
              HasSubstr("do not fit"));
  EXPECT_FALSE(PlanFaults({.count = 1, .kinds = {}, .first = 0, .last = 10}).ok());
  auto exact = PlanFaults(
      {.count = 2, .kinds = {FaultKind::kPodDelete}, .first = 10, .last = 20, .spacing = 10});
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ((*exact)[0].step, 10);
  EXPECT_EQ((*exact)[1].step, 20);
}

TEST(SummarizeTest, NearestRankPercentiles) {
  std::vector<double> samples;
  for (int i = 100; i >= 1; --i) samples.push_back(i);
  const Distribution d = Summarize(samples);
  EXPECT_EQ(d.n, 100);
  EXPECT_EQ(d.p50, 50);
  EXPECT_EQ(d.p90, 90);
  EXPECT_EQ(d.p99, 99);
  EXPECT_EQ(d.max, 100);
  const Distribution three = Summarize({0.3, 0.1, 2.0});
  EXPECT_EQ(three.p50, 0.3);
  EXPECT_EQ(three.p99, 2.0);
  EXPECT_EQ(FormatDistribution(three), "n=3 p50=0.30 p90=2.00 p99=2.00 max=2.00");
  EXPECT_EQ(FormatDistribution(Summarize({})), "n=0");
}

}  // namespace
}  // namespace flyover::drill
