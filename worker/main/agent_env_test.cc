#include "worker/main/agent_env.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

std::map<std::string, std::string> BaseEnv() {
  return {{"FLYOVER_JOB", "default.tiny"}, {"FLYOVER_RANK_INDEX", "1"},
          {"FLYOVER_REPLICAS", "2"}, {"FLYOVER_NPUS_PER_REPLICA", "4"}};
}

TEST(AgentEnvTest, DefaultsFollowTheSupervisionContract) {
  absl::StatusOr<AgentSetup> setup = AgentSetupFromEnv(BaseEnv());
  ASSERT_TRUE(setup.ok()) << setup.status();
  const AgentOptions& o = setup->options;
  EXPECT_EQ(o.rank_index, 1);
  EXPECT_EQ(o.replicas, 2);
  EXPECT_EQ(o.npus_per_replica, 4);
  EXPECT_EQ(o.generation, 0);
  EXPECT_EQ(o.rank_table_file, "/user/serverid/devindex/config/hccl.json");
  EXPECT_EQ(o.pod, "default.tiny-1");
  EXPECT_EQ(o.rendezvous, "file:/user/serverid/devindex/config/rendezvous");
  EXPECT_EQ(o.checkpoint_request_file, "/user/serverid/devindex/config/checkpoint-request");
  EXPECT_EQ(o.replica_dir, "/dev/shm/flyover-replicas");
  EXPECT_EQ(o.heartbeat_interval, absl::Seconds(1));
  EXPECT_TRUE(setup->supervision_url.empty());
  EXPECT_EQ(setup->metrics_port, 9400);
  EXPECT_EQ(setup->metrics_address, "0.0.0.0");  // no POD_IP: every address
}

TEST(AgentEnvTest, MetricsBindToThePodIp) {
  auto env = BaseEnv();
  env["POD_IP"] = "127.0.3.7";
  absl::StatusOr<AgentSetup> setup = AgentSetupFromEnv(env);
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->metrics_address, "127.0.3.7");
  env["POD_IP"] = "fd00::12";
  setup = AgentSetupFromEnv(env);
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->metrics_address, "fd00::12");
  env["POD_IP"] = "tiny-0.local";
  EXPECT_THAT(AgentSetupFromEnv(env).status().message(),
              HasSubstr("POD_IP: must be an IPv4 or IPv6 address, got \"tiny-0.local\""));
}

TEST(AgentEnvTest, ReadsEveryOptionalVariable) {
  auto env = BaseEnv();
  env["FLYOVER_GENERATION"] = "3";
  env["RANK_TABLE_FILE"] = "/rt/hccl.json";
  env["POD_NAME"] = "tiny-1";
  env["ASCEND_VISIBLE_DEVICES"] = "4,5,6,7";
  env["FLYOVER_SUPERVISION_URL"] = "http://op:8443";
  env["FLYOVER_SUPERVISION_TOKEN"] = "t";
  env["FLYOVER_AGENT_STATE_DIR"] = "/state";
  env["FLYOVER_HEARTBEAT_INTERVAL_MS"] = "250";
  env["FLYOVER_METRICS_PORT"] = "off";
  env["FLYOVER_REPLICA_DIR"] = "/replicas";
  absl::StatusOr<AgentSetup> setup = AgentSetupFromEnv(env);
  ASSERT_TRUE(setup.ok()) << setup.status();
  EXPECT_EQ(setup->options.generation, 3);
  EXPECT_EQ(setup->options.visible_devices, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(setup->options.rendezvous, "http://op:8443");
  EXPECT_EQ(setup->options.checkpoint_request_file, "/state/checkpoint-request");
  EXPECT_EQ(setup->options.replica_dir, "/replicas");
  EXPECT_EQ(setup->options.heartbeat_interval, absl::Milliseconds(250));
  EXPECT_EQ(setup->supervision_token, "t");
  EXPECT_EQ(setup->metrics_port, -1);
  EXPECT_TRUE(setup->loss_log.empty());
  env["FLYOVER_LOSS_LOG"] = "/logs/loss.jsonl";
  EXPECT_EQ(AgentSetupFromEnv(env)->loss_log, "/logs/loss.jsonl");
}

TEST(AgentEnvTest, ErrorsNameTheVariable) {
  auto env = BaseEnv();
  env.erase("FLYOVER_JOB");
  EXPECT_THAT(AgentSetupFromEnv(env).status().message(), HasSubstr("FLYOVER_JOB: required"));
  env = BaseEnv();
  env["FLYOVER_REPLICAS"] = "two";
  EXPECT_THAT(AgentSetupFromEnv(env).status().message(),
              HasSubstr("FLYOVER_REPLICAS: must be an integer >= 1, got \"two\""));
  env = BaseEnv();
  env["FLYOVER_RANK_INDEX"] = "2";
  EXPECT_THAT(AgentSetupFromEnv(env).status().message(),
              HasSubstr("FLYOVER_RANK_INDEX: 2 must be below FLYOVER_REPLICAS"));
  env = BaseEnv();
  env["ASCEND_VISIBLE_DEVICES"] = "0,x";
  EXPECT_THAT(AgentSetupFromEnv(env).status().message(), HasSubstr("ASCEND_VISIBLE_DEVICES"));
  env = BaseEnv();
  env["FLYOVER_METRICS_PORT"] = "70000";
  EXPECT_THAT(AgentSetupFromEnv(env).status().message(), HasSubstr("FLYOVER_METRICS_PORT"));
}

}  // namespace
}  // namespace flyover::worker
