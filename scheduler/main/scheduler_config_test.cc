#include "scheduler/main/scheduler_config.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::sched {
namespace {

using ::testing::HasSubstr;

// What the chart's scheduler ConfigMap carries (helm/flyover/templates/_scheduler_config.tpl).
constexpr char kChartConfig[] = R"(bind-parallelism: 16
leader-elect: true
leader-elect-namespace: flyover-system
metrics-port: 10259
qps: 250
scheduler-name: flyover-scheduler
spare-nodes-per-super-pod: 3
)";

ReadFileFn Files(std::map<std::string, std::string> files) {
  return [files](const std::string& path) -> absl::StatusOr<std::string> {
    auto it = files.find(path);
    if (it == files.end()) return absl::NotFoundError("no such file");
    return it->second;
  };
}

TEST(SchedulerConfigTest, ReadsTheChartsConfigAndTheCommandLineOverridesIt) {
  absl::StatusOr<SchedulerFlags> flags =
      LoadSchedulerFlags({"--config", "/etc/sched/config.yaml", "--qps=100"},
                         Files({{"/etc/sched/config.yaml", kChartConfig}}));
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_TRUE(flags->leader_elect);
  EXPECT_EQ(flags->leader_elect_namespace, "flyover-system");
  EXPECT_EQ(flags->spare_nodes_per_super_pod, 3);
  EXPECT_EQ(flags->bind_parallelism, 16);
  EXPECT_EQ(flags->qps, 100);  // the command line wins, wherever it stands
  flags = LoadSchedulerFlags({"--leader-elect=false", "--config=/c"},
                             Files({{"/c", kChartConfig}}));
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_FALSE(flags->leader_elect);
  EXPECT_EQ(flags->qps, 250);
}

TEST(SchedulerConfigTest, WithoutConfigOnlyTheCommandLineCounts) {
  absl::StatusOr<SchedulerFlags> flags = LoadSchedulerFlags({"--qps=7"}, Files({}));
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(flags->qps, 7);
  EXPECT_TRUE(LoadSchedulerFlags({"--config=/empty"}, Files({{"/empty", ""}})).ok());
}

TEST(SchedulerConfigTest, ErrorsNameTheFileAndTheKey) {
  auto message = [](const std::string& yaml) {
    return std::string(
        LoadSchedulerFlags({"--config=/c"}, Files({{"/c", yaml}})).status().message());
  };
  EXPECT_EQ(message("scheduler-name: x\nsuperPodSize: 4\n"),
            "--config /c: superPodSize: unknown key");
  EXPECT_EQ(message("config: /other\n"), "--config /c: config: unknown key");
  EXPECT_EQ(message("qps: [1, 2]\n"), "--config /c: qps: must be a scalar");
  EXPECT_THAT(message("- qps\n"), HasSubstr("--config /c: must be a map"));
  EXPECT_THAT(message("qps: {\n"), HasSubstr("--config /c: not valid YAML"));
  EXPECT_THAT(message("metrics-port: 70000\n"), HasSubstr("--metrics-port"));  // flag's check
  EXPECT_EQ(LoadSchedulerFlags({"--config=/missing"}, Files({})).status().message(),
            "--config /missing: no such file");
}

TEST(SchedulerConfigTest, ArgsFollowTheFileOrder) {
  absl::StatusOr<std::vector<std::string>> args =
      SchedulerConfigArgs("qps: 5\nleader-elect: false\n", "f");
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_EQ(*args, (std::vector<std::string>{"--qps=5", "--leader-elect=false"}));
}

}  // namespace
}  // namespace flyover::sched
