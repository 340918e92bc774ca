#include "operator/supervision/supervision_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

// A loopback port free at the moment of the call.
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// Replicas sharing one fixed address, each listening only while it leads.
class SupervisionServerWhileLeadingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (SupervisionRegistry* registry : {&registry_a_, &registry_b_}) {
      registry->RegisterJob(kJob, {.token = kToken, .generation = 1, .pods = {"tiny-0-g1"}});
      registry->PublishRankTable(kJob, 1, {{"status", "completed"}});
    }
  }
  SupervisionServerOptions Options(absl::Duration retry_for) {
    return {.bind_address = "127.0.0.1", .port = port_, .max_long_poll = absl::Seconds(2),
            .worker_threads = 4, .listen_only_while_leading = true,
            .listen_retry_for = retry_for};
  }
  // The status of a rank-table request to the fixed address; 0 when nothing listens.
  int Probe() {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(2, 0);
    httplib::Result result = client.Get("/v1/jobs/default.tiny/ranktable",
                                        {{"Authorization", std::string("Bearer ") + kToken}});
    return result ? result->status : 0;
  }

  const int port_ = FreePort();
  SupervisionRegistry registry_a_, registry_b_;
};

TEST_F(SupervisionServerWhileLeadingTest, ListensOnlyBetweenListenAndStop) {
  ASSERT_GT(port_, 0);
  SupervisionServer server(&registry_a_, [] { return true; }, Options(absl::Seconds(1)));
  absl::StatusOr<int> port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(*port, port_);
  EXPECT_FALSE(server.listening());
  EXPECT_EQ(Probe(), 0);  // connection refused: not leading yet
  ASSERT_TRUE(server.Listen().ok());
  EXPECT_TRUE(server.listening());
  EXPECT_EQ(Probe(), 200);
  EXPECT_TRUE(server.Listen().ok());  // already listening
  server.Stop();
  EXPECT_FALSE(server.listening());
  EXPECT_EQ(Probe(), 0);
  EXPECT_TRUE(absl::IsFailedPrecondition(server.Listen()));
}

TEST_F(SupervisionServerWhileLeadingTest, TheNextLeaderTakesTheAddressOnceTheOldOneLetsGo) {
  ASSERT_GT(port_, 0);
  SupervisionServer old_leader(&registry_a_, [] { return true; }, Options(absl::Seconds(1)));
  SupervisionServer impatient(&registry_b_, [] { return true; }, Options(absl::Milliseconds(300)));
  SupervisionServer next_leader(&registry_b_, [] { return true; }, Options(absl::Seconds(10)));
  ASSERT_TRUE(old_leader.Start().ok());
  ASSERT_TRUE(impatient.Start().ok());
  ASSERT_TRUE(next_leader.Start().ok());
  ASSERT_TRUE(old_leader.Listen().ok());
  absl::Status taken = impatient.Listen();  // no SO_REUSEPORT: one listener per address
  EXPECT_TRUE(absl::IsUnavailable(taken)) << taken;
  EXPECT_THAT(taken.message(), HasSubstr("still taken after 300ms"));

  std::thread step_down([&] {
    absl::SleepFor(absl::Milliseconds(300));
    old_leader.Stop();
  });
  const absl::Time asked = absl::Now();
  absl::Status listening = next_leader.Listen();
  step_down.join();
  ASSERT_TRUE(listening.ok()) << listening;
  EXPECT_LT(absl::Now() - asked, absl::Seconds(5));
  EXPECT_EQ(Probe(), 200);  // answered by the next leader
}

TEST(SupervisionServerOptionsTest, ListeningWhileLeadingNeedsAFixedPort) {
  SupervisionRegistry registry;
  SupervisionServer zero(&registry, [] { return true; },
                         {.bind_address = "127.0.0.1", .port = 0,
                          .listen_only_while_leading = true});
  absl::StatusOr<int> started = zero.Start();
  EXPECT_TRUE(absl::IsInvalidArgument(started.status())) << started.status();
  SupervisionServer ordinary(&registry, [] { return true; }, {.bind_address = "127.0.0.1"});
  ASSERT_TRUE(ordinary.Start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(ordinary.Listen()));
  EXPECT_TRUE(ordinary.listening());
}

}  // namespace
}  // namespace flyover::op
