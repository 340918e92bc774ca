#include "bench/e2e/drill_losses.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::drill {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(DrillLossesTest, TheLastLineOfAStepCountsForTheRankAsked) {
  const std::string log =
      "{\"rank\":0,\"generation\":0,\"step\":1,\"loss\":2.5}\n"
      "{\"rank\":1,\"generation\":0,\"step\":1,\"loss\":9}\n"
      "{\"rank\":0,\"generation\":0,\"step\":2,\"loss\":2.25}\n"
      "not json\n"
      "{\"rank\":0,\"generation\":0,\"step\":3,\"loss\":\"nan\"}\n"
      "{\"rank\":0,\"generation\":1,\"step\":2,\"loss\":0.0036586597561836243}\n";
  const StepLosses losses = ReadStepLosses(log, 0);
  EXPECT_EQ(losses, (StepLosses{{1, 2.5}, {2, 0.0036586597561836243}}));
  EXPECT_EQ(ReadStepLosses(log, 1), (StepLosses{{1, 9.0}}));
}

TEST(DrillLossesTest, EqualOnlyBitForBit) {
  const StepLosses reference = {{1, 0.5}, {2, 0.25}, {3, 0.125}};
  LossComparison same = CompareStepLosses(reference, reference, 3);
  EXPECT_EQ(same.equal, 3);
  EXPECT_THAT(same.problem, IsEmpty());

  StepLosses off = reference;
  off[2] = std::nextafter(0.25, 1.0);  // one ulp away
  LossComparison differs = CompareStepLosses(reference, off, 3);
  EXPECT_EQ(differs.equal, 2);
  EXPECT_THAT(differs.problem,
              HasSubstr("step 2: loss 0.25000000000000006 differs from the reference's 0.25"));

  LossComparison signed_zero = CompareStepLosses({{1, 0.0}}, {{1, -0.0}}, 1);
  EXPECT_EQ(signed_zero.equal, 0);  // == would call them equal; the bits differ
}

TEST(DrillLossesTest, MissingStepsAreProblems) {
  const StepLosses reference = {{1, 0.5}, {2, 0.25}};
  LossComparison short_run = CompareStepLosses(reference, {{1, 0.5}}, 2);
  EXPECT_EQ(short_run.equal, 1);
  EXPECT_EQ(short_run.problem, "step 2: no loss logged");
  LossComparison short_reference = CompareStepLosses({{2, 0.25}}, reference, 2);
  EXPECT_EQ(short_reference.problem, "step 1: the reference logged no loss");
  EXPECT_EQ(CompareStepLosses(reference, reference, 3).problem,
            "step 3: the reference logged no loss");
}

}  // namespace
}  // namespace flyover::drill
