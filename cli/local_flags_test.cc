#include "cli/local_flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsSupersetOf;

TEST(ParseLocalFlags, ReadsUpFlagsInBothForms) {
  absl::StatusOr<LocalFlags> f =
      ParseLocalFlags({"up", "--data-dir=/tmp/c", "--super-pods", "2",
                       "--nodes-per-super-pod=4", "--mode", "process", "--lease-interval=1s",
                       "--timeout", "30s"});
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->action, "up");
  EXPECT_EQ(f->data_dir, "/tmp/c");
  EXPECT_EQ(f->super_pods, 2);
  EXPECT_EQ(f->nodes_per_super_pod, 4);
  EXPECT_EQ(f->mode, "process");
  EXPECT_EQ(f->lease_interval, "1s");
  EXPECT_EQ(f->timeout, absl::Seconds(30));
}

TEST(ParseLocalFlags, NamesTheBadFlag) {
  EXPECT_THAT(ParseLocalFlags({"sideways"}).status().message(), HasSubstr("up, down or status"));
  EXPECT_THAT(ParseLocalFlags({"up"}).status().message(), HasSubstr("--data-dir: required"));
  EXPECT_THAT(ParseLocalFlags({"up", "--data-dir=d", "--super-pods=0"}).status().message(),
              HasSubstr("--super-pods: must be a positive integer"));
  EXPECT_THAT(ParseLocalFlags({"up", "--data-dir=d", "--mode=vm"}).status().message(),
              HasSubstr("--mode: must be simulated or process"));
  EXPECT_THAT(ParseLocalFlags({"up", "--data-dir=d", "--lease-interval=soon"}).status().message(),
              HasSubstr("--lease-interval"));
  EXPECT_THAT(ParseLocalFlags({"up", "--data-dir=d", "--bogus=1"}).status().message(),
              HasSubstr("--bogus: unknown flag"));
  EXPECT_THAT(ParseLocalFlags({"down", "--data-dir"}).status().message(),
              HasSubstr("--data-dir: needs a value"));
}

TEST(LocalLayout, BuildsEachComponentsCommandLine) {
  LocalFlags f = ParseLocalFlags({"up", "--data-dir=/c", "--super-pods=2"}).value();
  EXPECT_THAT(ApiServerArgv("/b", f),
              ElementsAre("/b/flyover-apiserver", "--data-dir", "/c/apiserver", "--port", "0",
                          "--kubeconfig-out", "/c/kubeconfig"));
  EXPECT_THAT(NodesimArgv("/b", f),
              IsSupersetOf({"/b/flyover-nodesim", "/c/kubeconfig", "/c/logs/chaos.log",
                            "/c/run/nodesim.chaos", "--super-pods", "2"}));
  f.topology_file = "/t.yaml";
  EXPECT_THAT(NodesimArgv("/b", f), IsSupersetOf({"--topology", "/t.yaml"}));
  LocalLayout layout("/c");
  EXPECT_EQ(layout.PidFile("nodesim"), "/c/run/nodesim.pid");
  EXPECT_EQ(layout.Log("apiserver"), "/c/logs/apiserver.log");
}

TEST(NodesimArgv, SmallClustersGetFastLeasesAndAShortGracePeriod) {
  LocalFlags f = *ParseLocalFlags({"up", "--data-dir=/c", "--super-pods=2"});
  EXPECT_EQ(NodeLeaseInterval(f), absl::Seconds(1));
  EXPECT_EQ(NodeMonitorGracePeriod(f), absl::Seconds(4));
  EXPECT_THAT(NodesimArgv("/b", f),
              IsSupersetOf({"--lease-interval", "1000ms", "--node-monitor-grace-period", "4000ms",
                            "--node-monitor-period", "500ms"}));
}

TEST(NodesimArgv, LargeClustersKeepTenSecondLeasesAndGraceFollowsTheFlags) {
  LocalFlags big = *ParseLocalFlags({"up", "--data-dir=/c", "--super-pods=22",
                                     "--nodes-per-super-pod=48"});
  EXPECT_EQ(NodeLeaseInterval(big), absl::Seconds(10));
  EXPECT_EQ(NodeMonitorGracePeriod(big), absl::Seconds(40));
  LocalFlags set = *ParseLocalFlags({"up", "--data-dir=/c", "--lease-interval=2s",
                                     "--node-monitor-grace-period=5s"});
  EXPECT_THAT(NodesimArgv("/b", set),
              IsSupersetOf({"--lease-interval", "2000ms", "--node-monitor-grace-period", "5000ms",
                            "--node-monitor-period", "1000ms"}));
  EXPECT_THAT(ParseLocalFlags({"up", "--data-dir=d", "--node-monitor-grace-period=x"})
                  .status()
                  .message(),
              HasSubstr("--node-monitor-grace-period: must be a positive duration"));
}

TEST(LocalLayout, ControllersGetLocalLeaderElectionTimings) {
  LocalFlags f = *ParseLocalFlags({"up", "--data-dir=/c"});
  const std::vector<std::string> timings = {
      "--leader-elect", "--leader-elect-lease-duration", "8s", "--leader-elect-renew-deadline",
      "5s", "--leader-elect-retry-period", "1s"};
  EXPECT_THAT(SchedulerArgv("/b", f), IsSupersetOf(timings));
  EXPECT_THAT(OperatorArgv("/b", f, 40123), IsSupersetOf(timings));
}

TEST(LocalLayout, OperatorReplicasShareOneSupervisionAddressHeldByTheLeader) {
  LocalFlags f = *ParseLocalFlags({"up", "--data-dir=/c"});
  const std::vector<std::string> argv = OperatorArgv("/b", f, 40123);
  EXPECT_EQ(argv[0], "/b/flyover-operator");
  EXPECT_THAT(argv, IsSupersetOf({"--supervision-bind-address", "127.0.0.1",
                                  "--supervision-port", "40123",
                                  "--supervision-listen-only-while-leading"}));
  EXPECT_EQ(LocalLayout("/c").SupervisionEndpointFile(), "/c/run/operator.supervision");
}

TEST(LocalLayout, GivesEachNodeItsDevicePlugin) {
  LocalLayout layout("/c");
  EXPECT_EQ(DevicePluginComponent("sp0-node01").name, "device-plugin-sp0-node01");
  EXPECT_EQ(DevicePluginComponent("sp0-node01").binary, "flyover-device-plugin");
  EXPECT_EQ(layout.FaultEndpointFile("n1"), "/c/run/device-plugin-n1.fault");
  EXPECT_EQ(layout.MetricsEndpointFile("n1"), "/c/run/device-plugin-n1.metrics");
  EXPECT_THAT(DevicePluginArgv("/b", layout, "n1", {.fault = 4321, .metrics = 4322}),
              ElementsAre("/b/flyover-device-plugin", "--node-name", "n1",
                          "--device-plugin-dir", "/c/nodesim/device-plugins/n1",
                          "--kubeconfig", "/c/kubeconfig", "--device-dir", "/c/npu/n1",
                          "--fault-port", "4321", "--metrics-port", "4322"));
}

}  // namespace
}  // namespace flyover::cli
