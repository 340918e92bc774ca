#include "nodesim/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::nodesim {
namespace {

using ::testing::HasSubstr;

absl::StatusOr<NodesimFlags> Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "flyover-nodesim");
  return ParseNodesimFlags(static_cast<int>(args.size()), args.data());
}

TEST(ParseNodesimFlags, ReadsEveryFlagInBothForms) {
  absl::StatusOr<NodesimFlags> f =
      Parse({"--kubeconfig", "/k", "--super-pods=22", "--nodes-per-super-pod", "48",
             "--mode=process", "--lease-interval=5s", "--succeed-after", "1m", "--port=0",
             "--data-dir", "/d", "--qps=0"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kubeconfig, "/k");
  EXPECT_EQ(f->super_pods, 22);
  EXPECT_EQ(f->nodes_per_super_pod, 48);
  EXPECT_EQ(f->mode, PodMode::kProcess);
  EXPECT_EQ(f->lease_interval, absl::Seconds(5));
  EXPECT_EQ(f->succeed_after, absl::Minutes(1));
  EXPECT_EQ(f->port, 0);
  EXPECT_EQ(f->data_dir, "/d");
  EXPECT_EQ(f->qps, 0);
  EXPECT_EQ(Topology(*f)->size(), 22u * 48u);
}

TEST(ParseNodesimFlags, NodeMonitorFlagsDefaultToKubernetesValues) {
  absl::StatusOr<NodesimFlags> defaults = Parse({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(defaults->node_monitor_grace_period, absl::Seconds(40));
  EXPECT_EQ(defaults->node_monitor_period, absl::Seconds(5));
  absl::StatusOr<NodesimFlags> f =
      Parse({"--node-monitor-grace-period=4s", "--node-monitor-period", "500ms"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->node_monitor_grace_period, absl::Seconds(4));
  EXPECT_EQ(f->node_monitor_period, absl::Milliseconds(500));
  EXPECT_THAT(Parse({"--node-monitor-period=0s"}).status().message(),
              HasSubstr("--node-monitor-period: must be a positive duration"));
}

TEST(ParseNodesimFlags, ReadsTheChaosFlags) {
  absl::StatusOr<NodesimFlags> f = Parse({"--chaos-port=-1", "--chaos-log", "/l/chaos.log",
                                          "--chaos-endpoint-file=/r/nodesim.chaos"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->chaos_port, -1);
  EXPECT_EQ(f->chaos_log, "/l/chaos.log");
  EXPECT_EQ(f->chaos_endpoint_file, "/r/nodesim.chaos");
  EXPECT_EQ(Parse({}).value().chaos_port, 0);
  EXPECT_THAT(Parse({"--chaos-port=-2"}).status().message(), HasSubstr("--chaos-port"));
}

TEST(ParseNodesimFlags, DevicePluginDirDefaultsUnderTheDataDirAndCanBeOff) {
  absl::StatusOr<NodesimFlags> f = Parse({"--data-dir=/d"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(DevicePluginRoot(*f), "/d/device-plugins");
  f = Parse({"--device-plugin-dir", "/run/dp"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(DevicePluginRoot(*f), "/run/dp");
  f = Parse({"--device-plugin-dir=off"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(DevicePluginRoot(*f), "");
}

TEST(ParseNodesimFlags, NamesTheBadFlag) {
  EXPECT_THAT(Parse({"--lease-interval=soon"}).status().message(),
              HasSubstr("--lease-interval: must be a positive duration"));
  EXPECT_THAT(Parse({"--super-pods=0"}).status().message(), HasSubstr("--super-pods"));
  EXPECT_THAT(Parse({"--mode=vm"}).status().message(), HasSubstr("--mode"));
  EXPECT_THAT(Parse({"--bogus=1"}).status().message(), HasSubstr("--bogus: unknown flag"));
  EXPECT_THAT(Parse({"--port"}).status().message(), HasSubstr("--port: needs a value"));
  EXPECT_TRUE(Parse({"--help"})->help);
}

TEST(Topology, ReadsTheFileAndNamesIt) {
  kube::testing::TempDir dir;
  NodesimFlags flags;
  flags.topology_file = dir.Write("t.yaml", "superPods: 2\nnodesPerSuperPod: 3\n");
  EXPECT_EQ(Topology(flags)->size(), 6u);
  flags.topology_file = dir.Write("bad.yaml", "superPods: x\n");
  EXPECT_THAT(Topology(flags).status().message(), HasSubstr("bad.yaml: superPods"));
}

}  // namespace
}  // namespace flyover::nodesim
