#include "device-plugin/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::deviceplugin {
namespace {

using ::testing::HasSubstr;

TEST(FlagsTest, DefaultsFollowKubeletConventions) {
  absl::StatusOr<PluginFlags> flags = ParseFlags({}, "node-7");
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->device_plugin_dir, "/var/lib/kubelet/device-plugins/");
  EXPECT_EQ(flags->node_name, "node-7");
  EXPECT_EQ(flags->metrics_port, 8082);
  EXPECT_EQ(flags->fault_port, 0);
}

TEST(FlagsTest, ParsesBothForms) {
  absl::StatusOr<PluginFlags> flags =
      ParseFlags({"--device-plugin-dir=/tmp/dp", "--node-name", "n1", "--fault-port", "9000",
                  "--metrics-port=0", "--device-file", "/etc/npu.yaml", "--no-api"},
                 "");
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->device_plugin_dir, "/tmp/dp");
  EXPECT_EQ(flags->node_name, "n1");
  EXPECT_EQ(flags->fault_port, 9000);
  EXPECT_EQ(flags->metrics_port, 0);
  EXPECT_EQ(flags->device_file, "/etc/npu.yaml");
  EXPECT_TRUE(flags->no_api);
  EXPECT_TRUE(ParseFlags({"--help"}, "")->help);
  EXPECT_THAT(UsageText(), HasSubstr("--device-plugin-dir"));
}

TEST(FlagsTest, RejectsBadFlagsByName) {
  EXPECT_THAT(ParseFlags({}, "").status().message(), HasSubstr("--node-name"));
  EXPECT_THAT(ParseFlags({"--fault-port=x"}, "n").status().message(), HasSubstr("--fault-port"));
  EXPECT_THAT(ParseFlags({"--metrics-port", "70000"}, "n").status().message(),
              HasSubstr("--metrics-port"));
  EXPECT_THAT(ParseFlags({"--bogus=1"}, "n").status().message(), HasSubstr("unknown flag --bogus"));
  EXPECT_THAT(ParseFlags({"--kubeconfig"}, "n").status().message(), HasSubstr("needs a value"));
}

}  // namespace
}  // namespace flyover::deviceplugin
