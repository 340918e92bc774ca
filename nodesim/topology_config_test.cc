#include "nodesim/topology_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;

TEST(SimNodeName, PadsTheIndexToTwoDigits) {
  EXPECT_EQ(SimNodeName(0, 7), "sp0-node07");
  EXPECT_EQ(SimNodeName(21, 47), "sp21-node47");
  EXPECT_EQ(SimNodeName(1, 100), "sp1-node100");
}

TEST(TopologyFromCounts, LaysOutSuperPodsRacksAndServers) {
  absl::StatusOr<std::vector<SimNodeSpec>> nodes = TopologyFromCounts(2, 48, PodMode::kProcess);
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 96u);
  const SimNodeSpec& last = nodes->back();
  EXPECT_EQ(last.name, "sp1-node47");
  EXPECT_EQ(last.super_pod_id, 1);
  EXPECT_EQ(last.rack_id, 47 / kNodesPerRack);
  EXPECT_EQ(last.server_id, 47);
  EXPECT_EQ(last.mode, PodMode::kProcess);
}

TEST(TopologyFromCounts, RefusesEmptyAndHugeTopologies) {
  EXPECT_THAT(TopologyFromCounts(0, 4, PodMode::kSimulated).status().message(),
              HasSubstr("super-pods: must be at least 1"));
  EXPECT_THAT(TopologyFromCounts(1, 0, PodMode::kSimulated).status().message(),
              HasSubstr("nodes-per-super-pod"));
  EXPECT_THAT(TopologyFromCounts(1000, 1000, PodMode::kSimulated).status().message(),
              HasSubstr("exceed the limit"));
}

TEST(ParseTopologyYaml, ReadsCounts) {
  absl::StatusOr<std::vector<SimNodeSpec>> nodes =
      ParseTopologyYaml("superPods: 3\nnodesPerSuperPod: 2\nmode: process\n");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 6u);
  EXPECT_EQ((*nodes)[5].name, "sp2-node01");
  EXPECT_EQ((*nodes)[5].mode, PodMode::kProcess);
}

TEST(ParseTopologyYaml, ReadsAListWithPerSuperPodModes) {
  absl::StatusOr<std::vector<SimNodeSpec>> nodes = ParseTopologyYaml(R"(
superPodList:
  - {id: 4, nodes: 2, mode: process}
  - {nodes: 1}
)");
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[0].name, "sp4-node00");
  EXPECT_EQ((*nodes)[0].mode, PodMode::kProcess);
  EXPECT_EQ((*nodes)[2].name, "sp1-node00");  // id defaults to the list position
  EXPECT_EQ((*nodes)[2].mode, PodMode::kSimulated);
}

TEST(ParseTopologyYaml, NamesTheBadField) {
  EXPECT_THAT(ParseTopologyYaml("superPods: 1\nmode: vm\n").status().message(),
              HasSubstr("mode: must be \"simulated\" or \"process\", got \"vm\""));
  EXPECT_THAT(ParseTopologyYaml("superPods: -1\n").status().message(),
              HasSubstr("superPods: must be an integer"));
  EXPECT_THAT(ParseTopologyYaml("superPodList:\n  - {id: 1}\n").status().message(),
              HasSubstr("superPodList[0].nodes: required"));
  EXPECT_THAT(ParseTopologyYaml("superPodList:\n  - {id: 1, nodes: 1}\n  - {id: 1, nodes: 1}\n")
                  .status()
                  .message(),
              HasSubstr("superPodList[1].id: super-pod 1 listed twice"));
  EXPECT_THAT(ParseTopologyYaml("nodes: 3\n").status().message(),
              HasSubstr("nodes: unknown field"));
}

}  // namespace
}  // namespace flyover::nodesim
