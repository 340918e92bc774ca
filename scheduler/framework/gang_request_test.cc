#include "scheduler/framework/gang_request.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "scheduler/framework/testing/snapshot_builder.h"

namespace flyover::sched {
namespace {

TEST(GangRequestTest, ValidationNamesTheFieldAndReason) {
  GangRequest one_die = testing::MakeGang("g", 2, 1);
  EXPECT_NE(ValidateGangRequest(one_die).message().find("only for a single-pod job"),
            std::string::npos);
  EXPECT_TRUE(ValidateGangRequest(testing::MakeGang("g", 1, 1)).ok());
  EXPECT_NE(ValidateGangRequest(testing::MakeGang("g", 4, 16, 24)).message().find(
                "multiple of 16"),
            std::string::npos);
  EXPECT_NE(ValidateGangRequest(testing::MakeGang("g", 3, 16, 32)).message().find(
                "not a multiple of superPodBlock"),
            std::string::npos);
  GangRequest repeated = testing::MakeGang("g", 2, 16);
  repeated.pods[1].rank_index = 0;
  EXPECT_NE(ValidateGangRequest(repeated).message().find("repeated"), std::string::npos);
  EXPECT_TRUE(ValidateGangRequest(testing::MakeGang("g", 8, 16, 64)).ok());
  // A block no larger than a node need not be whole nodes (the API admits it so).
  EXPECT_TRUE(ValidateGangRequest(testing::MakeGang("g", 2, 2, 4)).ok());
  EXPECT_TRUE(ValidateGangRequest(testing::MakeGang("g", 8, 4, 8)).ok());
  EXPECT_NE(ValidateGangRequest(testing::MakeGang("g", 4, 8, 24)).message().find(
                "multiple of 16 NPUs when larger than a node"),
            std::string::npos);
}

TEST(GangRequestTest, TolerationsAndAffinityFollowKubernetes) {
  Taint taint{"npu", "broken", TaintEffect::kNoSchedule};
  EXPECT_TRUE((Toleration{"npu", TolerationOperator::kEqual, "broken", {}}).Tolerates(taint));
  EXPECT_FALSE((Toleration{"npu", TolerationOperator::kEqual, "ok", {}}).Tolerates(taint));
  EXPECT_TRUE((Toleration{"", TolerationOperator::kExists, "", {}}).Tolerates(taint));
  EXPECT_FALSE((Toleration{"npu", TolerationOperator::kExists, "", TaintEffect::kNoExecute})
                   .Tolerates(taint));
  std::map<std::string, std::string> labels{{"zone", "a"}};
  EXPECT_TRUE((LabelRequirement{"zone", LabelOperator::kIn, {"a", "b"}}).Matches(labels));
  EXPECT_FALSE((LabelRequirement{"zone", LabelOperator::kNotIn, {"a"}}).Matches(labels));
  EXPECT_TRUE((LabelRequirement{"gpu", LabelOperator::kDoesNotExist, {}}).Matches(labels));
  EXPECT_FALSE(NodeSelectorTerm{}.Matches(labels));
}

}  // namespace
}  // namespace flyover::sched
