// The worker's own clients against the operator's supervision endpoint: the agent's
// HttpSupervisionClient (rank table, heartbeats, commands) and the ranks'
// HttpRendezvousStore, so the two sides of docs/design/supervision.md are checked against
// each other, not each against its own reading of the document.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/supervision/supervision_server.h"
#include "worker/agent/http_supervision_client.h"
#include "worker/comm/http_rendezvous_store.h"

namespace flyover::op {
namespace {

constexpr char kJob[] = "default.tiny";
constexpr char kToken[] = "0123abcd";

class OperatorWorkerProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.RegisterJob(kJob, {.token = kToken, .generation = 4, .pods = {"tiny-0-g4"}});
    absl::StatusOr<int> port = server_.Start();
    ASSERT_TRUE(port.ok()) << port.status();
    endpoint_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  std::unique_ptr<worker::HttpSupervisionClient> Agent(const std::string& token = kToken) {
    return worker::HttpSupervisionClient::Create(
               {.endpoint = endpoint_, .job = kJob, .bearer_token = token})
        .value();
  }

  SupervisionRegistry registry_;
  SupervisionServer server_{&registry_, [] { return true; },
                            {.bind_address = "127.0.0.1", .max_long_poll = absl::Seconds(2),
                             .worker_threads = 8}};
  std::string endpoint_;
};

TEST_F(OperatorWorkerProtocolTest, AgentFetchesTheRankTableAndHeartbeatsForCommands) {
  std::unique_ptr<worker::HttpSupervisionClient> agent = Agent();
  EXPECT_TRUE(absl::IsNotFound(agent->FetchRankTable(absl::Milliseconds(50)).status()));
  EXPECT_TRUE(absl::IsUnauthenticated(Agent("wrong")->FetchRankTable(absl::ZeroDuration()).status()));
  registry_.PublishRankTable(kJob, 4, {{"status", "completed"}, {"version", "1.0"}});
  absl::StatusOr<std::string> table = agent->FetchRankTable(absl::Seconds(1));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(nlohmann::json::parse(*table)["status"], "completed");

  ASSERT_TRUE(registry_
                  .AddCommand(kJob, "tiny-0-g4",
                              {.kind = kCommandRestartInPlace, .generation = 5, .resume_step = 100})
                  .ok());
  worker::Heartbeat heartbeat{.pod = "tiny-0-g4", .rank_index = 0, .generation = 4};
  heartbeat.ranks.push_back({.rank = 0, .state = worker::RankState::kRunning, .step = 120,
                             .loss = 1.93, .step_millis = 41.5});
  heartbeat.ranks.push_back({.rank = 1, .state = worker::RankState::kExited, .step = 118,
                             .exit_code = 137, .signal = 9});
  heartbeat.last_checkpoint_step = 100;
  heartbeat.events.push_back({.rank = 1, .exit_code = 137, .signal = 9, .at = absl::Now()});
  absl::StatusOr<std::vector<worker::Command>> commands = agent->SendHeartbeat(heartbeat);
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_EQ(commands->size(), 1u);
  EXPECT_EQ((*commands)[0].kind, worker::CommandKind::kRestartInPlace);
  EXPECT_EQ((*commands)[0].generation, 5);
  EXPECT_EQ((*commands)[0].resume_step, 100);

  const std::optional<JobProgress> progress = registry_.Progress(kJob);
  ASSERT_TRUE(progress.has_value());
  const PodProgress& seen = progress->heartbeats.at("tiny-0-g4");
  EXPECT_EQ(seen.step, 118);
  EXPECT_EQ(seen.last.last_checkpoint_step, 100);
  ASSERT_EQ(registry_.Faults(kJob).size(), 1u);
  EXPECT_EQ(registry_.Faults(kJob)[0].fault_class, "RankExit");
  EXPECT_EQ(registry_.Faults(kJob)[0].rank, 1);

  heartbeat.generation = 3;
  EXPECT_TRUE(absl::IsAborted(agent->SendHeartbeat(heartbeat).status()));
}

TEST_F(OperatorWorkerProtocolTest, RanksRendezvousThroughTheEndpoint) {
  auto store = [&](int64_t generation) {
    return worker::HttpRendezvousStore::Create({.endpoint = endpoint_,
                                                .scope = {.job = kJob, .generation = generation},
                                                .bearer_token = kToken})
        .value();
  };
  std::unique_ptr<worker::HttpRendezvousStore> rank0 = store(4);
  std::unique_ptr<worker::HttpRendezvousStore> rank1 = store(4);
  ASSERT_TRUE(rank0->Set("rank/0/address", "10.0.0.1:4000").ok());
  ASSERT_TRUE(rank1->Wait({"rank/0/address"}, absl::Seconds(5)).ok());
  absl::StatusOr<std::string> value = rank1->Get("rank/0/address");
  ASSERT_TRUE(value.ok()) << value.status();
  EXPECT_EQ(*value, "10.0.0.1:4000");
  ASSERT_TRUE(store(5)->Set("rank/0/address", "10.0.0.9:4000").ok());
  EXPECT_TRUE(absl::IsAborted(rank1->Get("rank/0/address").status()));
}

}  // namespace
}  // namespace flyover::op
