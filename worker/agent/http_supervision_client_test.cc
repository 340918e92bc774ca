#include "worker/agent/http_supervision_client.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

// A scripted supervision endpoint on a loopback port.
class FakeEndpoint {
 public:
  FakeEndpoint() {
    server_.Get(R"(/v1/jobs/([^/]+)/ranktable)", [this](const httplib::Request& req,
                                                        httplib::Response& res) {
      if (!Authorized(req, res)) return;
      last_job_ = req.matches[1];
      last_wait_ = req.has_param("wait_ms") ? req.get_param_value("wait_ms") : "";
      if (table_ready_) {
        res.set_content(R"({"status": "completed"})", "application/json");
      } else {
        res.status = 404;
        res.set_content(R"({"error": "ranktable: not complete"})", "application/json");
      }
    });
    server_.Post(R"(/v1/jobs/([^/]+)/heartbeats)", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
      if (!Authorized(req, res)) return;
      last_body_ = req.body;
      res.status = heartbeat_status_;
      res.set_content(heartbeat_answer_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_); }

  bool table_ready_ = false;
  int heartbeat_status_ = 200;
  std::string heartbeat_answer_ = R"({"commands": [{"id": "c-1", "kind": "Pause"}]})";
  std::string last_job_, last_wait_, last_body_;

 private:
  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == "Bearer s3cret") return true;
    res.status = 401;
    res.set_content(R"({"error": "token: missing or wrong"})", "application/json");
    return false;
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

std::unique_ptr<HttpSupervisionClient> ClientFor(const FakeEndpoint& endpoint,
                                                 std::string token = "s3cret") {
  auto client = HttpSupervisionClient::Create(
      {.endpoint = endpoint.url(), .job = "default.tiny", .bearer_token = std::move(token)});
  EXPECT_TRUE(client.ok()) << client.status();
  return std::move(*client);
}

TEST(HttpSupervisionClientTest, FetchesTheRankTableWithAWaitAndMaps404ToNotFound) {
  FakeEndpoint endpoint;
  auto client = ClientFor(endpoint);
  absl::StatusOr<std::string> table = client->FetchRankTable(absl::Milliseconds(250));
  EXPECT_TRUE(absl::IsNotFound(table.status())) << table.status();
  EXPECT_EQ(endpoint.last_job_, "default.tiny");
  EXPECT_EQ(endpoint.last_wait_, "250");
  endpoint.table_ready_ = true;
  table = client->FetchRankTable(absl::ZeroDuration());
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(*table, R"({"status": "completed"})");
}

TEST(HttpSupervisionClientTest, PostsTheHeartbeatAndDecodesCommands) {
  FakeEndpoint endpoint;
  auto client = ClientFor(endpoint);
  Heartbeat heartbeat{.pod = "tiny-0", .generation = 2};
  absl::StatusOr<std::vector<Command>> commands = client->SendHeartbeat(heartbeat);
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_EQ(commands->size(), 1u);
  EXPECT_EQ((*commands)[0].id, "c-1");
  EXPECT_EQ(endpoint.last_body_, EncodeHeartbeat(heartbeat));
}

TEST(HttpSupervisionClientTest, MapsErrorAnswersToWhatTheAgentShouldDo) {
  FakeEndpoint endpoint;
  endpoint.heartbeat_status_ = 409;
  endpoint.heartbeat_answer_ = R"({"error": "generation: 2 superseded by 3"})";
  auto client = ClientFor(endpoint);
  EXPECT_TRUE(absl::IsAborted(client->SendHeartbeat({}).status()));
  endpoint.heartbeat_status_ = 503;
  EXPECT_TRUE(absl::IsUnavailable(client->SendHeartbeat({}).status()));
  endpoint.heartbeat_status_ = 200;
  endpoint.heartbeat_answer_ = "garbage";
  EXPECT_TRUE(absl::IsUnavailable(client->SendHeartbeat({}).status()));
  auto wrong_token = ClientFor(endpoint, "nope");
  EXPECT_TRUE(absl::IsUnauthenticated(wrong_token->SendHeartbeat({}).status()));
}

TEST(HttpSupervisionClientTest, TransportErrorsAreUnavailableAndBadUrlsInvalid) {
  auto client = HttpSupervisionClient::Create(
      {.endpoint = "http://127.0.0.1:1", .job = "j", .connect_timeout = absl::Milliseconds(200)});
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(absl::IsUnavailable((*client)->SendHeartbeat({}).status()));
  EXPECT_THAT(HttpSupervisionClient::Create({.endpoint = "ftp://x", .job = "j"}).status().message(),
              HasSubstr("FLYOVER_SUPERVISION_URL"));
  EXPECT_THAT(HttpSupervisionClient::Create({.endpoint = "http://x:1", .job = ""}).status().message(),
              HasSubstr("FLYOVER_JOB"));
}

}  // namespace
}  // namespace flyover::worker
