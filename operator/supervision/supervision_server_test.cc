#include "operator/supervision/supervision_server.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;

constexpr char kJob[] = "default.tiny";
constexpr char kToken[] = "secret-token";

class SupervisionServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.RegisterJob(kJob,
                          {.token = kToken, .generation = 1, .pods = {"tiny-0-g1", "tiny-1-g1"}});
    absl::StatusOr<int> port = server_.Start();
    ASSERT_TRUE(port.ok()) << port.status();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", *port);
    client_->set_read_timeout(10, 0);
  }

  httplib::Headers Auth(const std::string& token = kToken) {
    return {{"Authorization", "Bearer " + token}};
  }

  httplib::Result PostHeartbeat(const Heartbeat& heartbeat, const std::string& token = kToken) {
    return client_->Post("/v1/jobs/default.tiny/heartbeats", Auth(token),
                         EncodeHeartbeat(heartbeat).dump(), "application/json");
  }

  SupervisionRegistry registry_;
  std::atomic<bool> leader_{true};
  SupervisionServer server_{
      &registry_,
      [this] { return leader_.load(); },
      {.bind_address = "127.0.0.1", .max_long_poll = absl::Seconds(5), .worker_threads = 8}};
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(SupervisionServerTest, RequestsNeedTheJobsTokenAndALeader) {
  httplib::Result none = client_->Get("/v1/jobs/default.tiny/ranktable");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_THAT(none->body, HasSubstr("\"error\""));
  EXPECT_EQ(client_->Get("/v1/jobs/default.tiny/ranktable", Auth("wrong"))->status, 401);
  EXPECT_EQ(client_->Get("/v1/jobs/default.other/ranktable", Auth())->status, 404);
  leader_ = false;
  EXPECT_EQ(client_->Get("/v1/jobs/default.tiny/ranktable", Auth())->status, 503);
}

TEST_F(SupervisionServerTest, RankTableIs404UntilCompleteThenLongPollReturnsIt) {
  EXPECT_EQ(client_->Get("/v1/jobs/default.tiny/ranktable", Auth())->status, 404);
  EXPECT_EQ(client_->Get("/v1/jobs/default.tiny/ranktable?wait_ms=x", Auth())->status, 400);
  std::thread publisher([&] {
    absl::SleepFor(absl::Milliseconds(200));
    registry_.PublishRankTable(kJob, 1, {{"status", "completed"}, {"version", "1.2"}});
  });
  const absl::Time start = absl::Now();
  httplib::Result polled = client_->Get("/v1/jobs/default.tiny/ranktable?wait_ms=4000", Auth());
  publisher.join();
  ASSERT_TRUE(polled);
  EXPECT_EQ(polled->status, 200);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  EXPECT_EQ(nlohmann::json::parse(polled->body)["status"], "completed");
}

TEST_F(SupervisionServerTest, HeartbeatsRecordProgressAndReturnCommands) {
  ASSERT_TRUE(
      registry_.AddCommand(kJob, "tiny-1-g1", {.kind = kCommandPause, .generation = 1}).ok());
  httplib::Result first =
      PostHeartbeat(testing::HeartbeatOf("tiny-0-g1", 0, 1, 2, kRankRunning, 42));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(nlohmann::json::parse(first->body), nlohmann::json::parse(R"({"commands": []})"));
  EXPECT_EQ(registry_.Progress(kJob)->heartbeats.at("tiny-0-g1").step, 42);

  httplib::Result second =
      PostHeartbeat(testing::HeartbeatOf("tiny-1-g1", 1, 1, 2, kRankRunning, 42));
  ASSERT_TRUE(second);
  const nlohmann::json commands = nlohmann::json::parse(second->body)["commands"];
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0]["kind"], "Pause");
  EXPECT_EQ(commands[0]["id"], "c-1");

  EXPECT_EQ(PostHeartbeat(testing::HeartbeatOf("tiny-0-g0", 0, 0, 2, kRankRunning, 1))->status,
            409);
  httplib::Result bad = client_->Post("/v1/jobs/default.tiny/heartbeats", Auth(), R"({"pod": 3})",
                                      "application/json");
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad->body)["error"], "pod: must be a string");
  EXPECT_EQ(
      PostHeartbeat(testing::HeartbeatOf("tiny-0-g1", 0, 1, 2, kRankRunning, 43), "x")->status,
      401);
}

TEST_F(SupervisionServerTest, RendezvousIsServedWithTheJobsToken) {
  const std::string key = "/v1/jobs/default.tiny/rendezvous/1/rank/0/address";
  EXPECT_EQ(client_->Put(key, Auth("wrong"), "10.0.0.1:4000", "application/octet-stream")->status,
            401);
  EXPECT_EQ(client_->Get(key, Auth())->status, 404);
  EXPECT_EQ(client_->Put(key, Auth(), "10.0.0.1:4000", "application/octet-stream")->status, 204);
  httplib::Result got = client_->Get(key + "?wait_ms=100", Auth());
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "10.0.0.1:4000");
  // A newer generation supersedes the older one, as the protocol says.
  EXPECT_EQ(
      client_->Put("/v1/jobs/default.tiny/rendezvous/2/k", Auth(), "v", "application/octet-stream")
          ->status,
      204);
  EXPECT_EQ(client_->Get(key, Auth())->status, 409);
  EXPECT_EQ(client_->Delete("/v1/jobs/default.tiny/rendezvous", Auth())->status, 204);
  EXPECT_EQ(client_->Get("/v1/jobs/default.tiny/rendezvous/2/k", Auth())->status, 404);
}

}  // namespace
}  // namespace flyover::op
