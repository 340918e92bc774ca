#include "device-plugin/allocation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;
using topology::DieSet;

google::protobuf::RepeatedPtrField<std::string> Ids(std::initializer_list<const char*> ids) {
  google::protobuf::RepeatedPtrField<std::string> out;
  for (const char* id : ids) out.Add(id);
  return out;
}

TEST(ParseDeviceIdsTest, ParsesNodeIds) {
  absl::StatusOr<DieSet> dies = ParseDeviceIds(Ids({"Ascend910-3", "Ascend910-0"}),
                                               DieSet::All(), "ids");
  ASSERT_TRUE(dies.ok());
  EXPECT_EQ(*dies, DieSet::Of({0, 3}));
}

TEST(ParseDeviceIdsTest, RejectsUnknownMalformedAndRepeatedIds) {
  for (const char* bad : {"Ascend910-16", "Ascend910-03", "GPU-1", "Ascend910-", "Ascend910--1"}) {
    absl::Status status = ParseDeviceIds(Ids({"Ascend910-1", bad}), DieSet::All(), "ids").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("ids[1]: unknown device id")) << bad;
  }
  EXPECT_THAT(ParseDeviceIds(Ids({"Ascend910-4"}), DieSet::Of({0, 1}), "ids").status().message(),
              HasSubstr("unknown"));
  EXPECT_THAT(ParseDeviceIds(Ids({"Ascend910-1", "Ascend910-1"}), DieSet::All(), "ids")
                  .status()
                  .message(),
              HasSubstr("listed twice"));
}

TEST(PreferDiesTest, FollowsTopologyRules) {
  // Chip 0 half used (die 0 taken): a single die goes to its other half.
  DieSet free = DieSet::All() - DieSet::Of({0});
  EXPECT_EQ(*PreferDies(free, {}, 1), DieSet::Of({1}));
  // Two dies: a whole chip, the lowest free one.
  EXPECT_EQ(*PreferDies(free, {}, 2), DieSet::Of({2, 3}));
  EXPECT_EQ(*PreferDies(DieSet::All(), {}, 8), DieSet::Of({0, 1, 2, 3, 4, 5, 6, 7}));
  // A must-include die brings its sibling before other chips.
  EXPECT_EQ(*PreferDies(DieSet::All(), DieSet::Of({5}), 2), DieSet::Of({4, 5}));
  EXPECT_EQ(*PreferDies(DieSet::All(), DieSet::Of({5}), 4), DieSet::Of({0, 1, 4, 5}));
  // No whole chips left: falls back to the lowest free dies.
  EXPECT_EQ(*PreferDies(DieSet::Of({0, 2, 4}), {}, 2), DieSet::Of({0, 2}));
}

TEST(PreferDiesTest, RejectsImpossibleRequests) {
  EXPECT_THAT(PreferDies(DieSet::Of({0, 1}), {}, 3).status().message(),
              HasSubstr("allocation_size"));
  EXPECT_THAT(PreferDies(DieSet::Of({0, 1}), DieSet::Of({2}), 1).status().message(),
              HasSubstr("must_include"));
  EXPECT_THAT(PreferDies(DieSet::All(), DieSet::Of({0, 1}), 1).status().message(),
              HasSubstr("exceed"));
}

TEST(AllocationTableTest, KnownPodsBlockOthersKubeletHoldsAreReplaced) {
  AllocationTable table;
  const Holder pod_a{"ml", "a", "worker"};
  const Holder pod_b{"ml", "b", "worker"};
  const Holder kubelet{};
  table.Assign(DieSet::Of({0, 1}), pod_a);
  table.Assign(DieSet::Of({2, 3}), kubelet);
  EXPECT_EQ(table.Conflict(DieSet::Of({1}), pod_b), 1);
  EXPECT_EQ(table.Conflict(DieSet::Of({1}), kubelet), 1);
  EXPECT_EQ(table.Conflict(DieSet::Of({2}), pod_b), 2);
  EXPECT_EQ(table.Conflict(DieSet::Of({2, 3}), kubelet), std::nullopt);
  EXPECT_EQ(table.Conflict(DieSet::Of({0, 1}), pod_a), std::nullopt);
  EXPECT_EQ(table.HoldingPods(), std::set<std::string>{"ml/a"});
  table.ReleasePodsNotIn({});
  EXPECT_EQ(table.Held(), DieSet::Of({2, 3}));
}

}  // namespace
}  // namespace flyover::deviceplugin
