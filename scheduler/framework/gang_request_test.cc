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
  EXPECT_FALSE(NodeSelectorTerm{}.Matches(labels, "n1")) << "an empty term matches nothing";
  NodeSelectorTerm by_name;
  by_name.fields.push_back({"metadata.name", LabelOperator::kIn, {"n1"}});
  EXPECT_TRUE(by_name.Matches({}, "n1"));
  EXPECT_FALSE(by_name.Matches(labels, "n2"));
  by_name.requirements.push_back({"zone", LabelOperator::kIn, {"b"}});
  EXPECT_FALSE(by_name.Matches(labels, "n1")) << "labels and fields must both match";
}

// A replacement places part of a gang: its block is checked against its pods' size, not
// against a total it cannot fill.
TEST(GangRequestTest, ReplacementKeepsTheGangsBlock) {
  GangRequest one = testing::MakeGang("g", 1, 16, 64);
  EXPECT_NE(ValidateGangRequest(one).message().find("not a multiple of superPodBlock"),
            std::string::npos);
  one.replacement = Replacement{.super_pod_id = 3, .logical_super_pod_index = 2};
  EXPECT_TRUE(ValidateGangRequest(one).ok()) << ValidateGangRequest(one);
  GangRequest odd = testing::MakeGang("g", 1, 16, 24);
  odd.replacement = Replacement{};
  EXPECT_NE(ValidateGangRequest(odd).message().find("not a multiple of the 16 NPUs"),
            std::string::npos)
      << ValidateGangRequest(odd);
}

}  // namespace
}  // namespace flyover::sched
