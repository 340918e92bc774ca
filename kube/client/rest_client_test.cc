// Protocol tests: RestClient against the scripted API server over real HTTP. The behaviour
// cases are the protocol suites (testing/protocol_suite.h), instantiated here for the
// scripted server; this file keeps what needs the script: injected answers (429,
// Retry-After, 5xx, non-JSON bodies), the requests the client sends, tokens, rate limits.
#include "kube/client/rest_client.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/client/testing/metrics_testing.h"
#include "kube/client/testing/protocol_suite.h"
#include "kube/client/testing/scripted_api_backend.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using testing::MetricValue;
using testing::ScriptedApiServer;

json Pod(const std::string& name, const std::string& ns = "default",
         json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
}

class RestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(PodsResource());
    server_.AddResource(PostTrainingJobsResource());
    ASSERT_TRUE(server_.Start().ok());
    client_ = MakeClient();
  }

  std::unique_ptr<RestClient> MakeClient(RestClientOptions options = {},
                                         RestConfig config = {}) {
    if (config.server.empty()) config.server = server_.url();
    if (options.clock == nullptr) options.clock = &clock_;
    if (options.rate_limit.qps == RequestRateLimiterOptions().qps) options.rate_limit.qps = 0;
    options.metrics_registry = registry_;
    absl::StatusOr<std::unique_ptr<RestClient>> client = NewRestClient(config, options);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  double Requests(const std::string& verb, const std::string& code) {
    return MetricValue(*registry_, "flyover_rest_client_requests_total",
                       {{"verb", verb}, {"resource", "pods"}, {"code", code}});
  }

  FakeClock clock_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  ScriptedApiServer server_;
  std::unique_ptr<RestClient> client_;
};

// What the client puts on the wire for each verb: paths, content types, query parameters
// and bodies. The servers' answers to them are the protocol suites' business.
TEST_F(RestClientTest, RequestsCarryThePathsContentTypesAndParametersTheServerExpects) {
  json pod = *client_->Create(PodsResource(), "default", Pod("a"));
  pod["status"] = {{"phase", "Running"}};
  ASSERT_TRUE(client_->UpdateStatus(PodsResource(), pod).ok());
  EXPECT_EQ(server_.requests("PUT", "/api/v1/namespaces/default/pods/a/status").size(), 1u);

  ASSERT_TRUE(client_->Patch(PodsResource(), "default", "a", {{"metadata", {{"labels", {{"x", "1"}}}}}}).ok());
  auto patches = server_.requests("PATCH", "/api/v1/namespaces/default/pods/a");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].Header("Content-Type"), "application/merge-patch+json");

  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("b"), WriteOptions{.dry_run = true}).ok());
  EXPECT_EQ(server_.requests("POST", "/api/v1/namespaces/default/pods").back().Param("dryRun"),
            "All");
  EXPECT_FALSE(server_.Object(PodsResource(), "default", "b").has_value());

  const size_t before_apply = server_.requests().size();
  json job = {{"apiVersion", "training.flyover.dev/v1alpha1"},
              {"kind", "PostTrainingJob"},
              {"metadata", {{"name", "j"}, {"namespace", "default"}}},
              {"spec", {{"replicas", 2}}}};
  const ResourceDescriptor& jobs = PostTrainingJobsResource();
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Apply(jobs, job, ApplyOptions{}).status()));
  EXPECT_EQ(server_.requests().size(), before_apply);  // refused before sending
  ASSERT_TRUE(client_->Apply(jobs, job, ApplyOptions{.field_manager = "alice", .force = true}).ok());
  auto applies = server_.requests("PATCH", "/apis/training.flyover.dev/v1alpha1/namespaces/"
                                           "default/posttrainingjobs/j");
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].Header("Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(applies[0].Param("fieldManager"), "alice");
  EXPECT_EQ(applies[0].Param("force"), "true");

  ASSERT_TRUE(client_->Bind("default", "a", "node-1").ok());
  auto binds = server_.requests("POST", "/api/v1/namespaces/default/pods/a/binding");
  ASSERT_EQ(binds.size(), 1u);
  json body = json::parse(binds[0].body);
  EXPECT_EQ(body["kind"], "Binding");
  EXPECT_EQ(body["target"]["name"], "node-1");
  EXPECT_FALSE(body["metadata"].contains("annotations"));

  const std::string uid =
      (*client_->Create(PodsResource(), "default", Pod("b")))["metadata"]["uid"];
  ASSERT_TRUE(client_->Bind("default", "b", "node-2",
                            {.annotations = {{"huawei.com/Ascend910", "Ascend910-0"}}, .uid = uid})
                  .ok());
  binds = server_.requests("POST", "/api/v1/namespaces/default/pods/b/binding");
  ASSERT_EQ(binds.size(), 1u);
  body = json::parse(binds[0].body);
  EXPECT_EQ(body["metadata"]["annotations"], json({{"huawei.com/Ascend910", "Ascend910-0"}}));
  EXPECT_EQ(body["metadata"]["uid"], uid);
  EXPECT_EQ(body["target"]["name"], "node-2");

  ASSERT_TRUE(client_->List(PodsResource(), "default", {.field_selector = "metadata.name=a"}).ok());
  EXPECT_EQ(server_.requests().back().Param("fieldSelector"), "metadata.name=a");
}

TEST_F(RestClientTest, PagesCarryTheLimitAndTheContinueToken) {
  for (int i = 0; i < 25; ++i) server_.Upsert(PodsResource(), Pod(absl::StrCat("p", 10 + i)));
  ASSERT_TRUE(client_->List(PodsResource(), "default", {.limit = 10}).ok());
  auto lists = server_.requests("GET", "/api/v1/namespaces/default/pods");
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(lists[0].Param("continue"), "");
  EXPECT_EQ(lists[2].Param("limit"), "10");
  EXPECT_FALSE(lists[2].Param("continue").empty());
}

TEST_F(RestClientTest, AnExpiredContinueTokenRelistsWithoutLimitOrToken) {
  for (int i = 0; i < 5; ++i) server_.Upsert(PodsResource(), Pod(absl::StrCat("p", i)));
  server_.ExpireContinueTokens();  // every token issued before the next write is stale
  ASSERT_TRUE(client_->List(PodsResource(), "default", {.limit = 2}).ok());
  auto lists = server_.requests("GET", "/api/v1/namespaces/default/pods");
  ASSERT_EQ(lists.size(), 3u);  // page 1, expired page 2, full relist
  EXPECT_EQ(lists[2].Param("limit"), "");
  EXPECT_EQ(lists[2].Param("continue"), "");
}

TEST_F(RestClientTest, UnprocessableEntityIsInvalidArgument) {
  server_.InjectResponse("PUT", "/api/v1/namespaces/default/pods/a", 422,
                         R"({"kind":"Status","code":422,"reason":"Invalid","message":"bad"})");
  absl::Status invalid = client_->Update(PodsResource(), Pod("a")).status();
  EXPECT_TRUE(absl::IsInvalidArgument(invalid)) << invalid;
  EXPECT_TRUE(IsInvalid(invalid));
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Update(PodsResource(), json::object()).status()));
}

TEST_F(RestClientTest, TooManyRequestsIsRetriedAfterRetryAfter) {
  server_.Upsert(PodsResource(), Pod("a"));
  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods/a", 429,
                         R"({"kind":"Status","code":429,"reason":"TooManyRequests","message":"slow down"})",
                         {{"Retry-After", "3"}}, 2);
  absl::StatusOr<json> got;
  std::thread caller([&] { got = client_->Get(PodsResource(), "default", "a"); });
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
    clock_.Advance(absl::Seconds(2));
    EXPECT_EQ(clock_.num_waiters(), 1);  // not yet: Retry-After is 3 s
    clock_.Advance(absl::Seconds(1));
  }
  caller.join();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(Requests("get", "429"), 2);
  EXPECT_EQ(Requests("get", "200"), 1);
}

TEST_F(RestClientTest, RetryAfterPastTheDeadlineReturnsAtOnce) {
  auto client = MakeClient({.timeout = absl::Seconds(5)});
  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods/a", 429,
                         R"({"kind":"Status","code":429,"reason":"TooManyRequests"})",
                         {{"Retry-After", "10"}});
  absl::Status status = client->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_TRUE(IsTooManyRequests(status));
  EXPECT_EQ(clock_.Now(), FakeClock::DefaultStartTime());  // never slept
}

TEST_F(RestClientTest, ServerErrorsAreRetriedOnlyWithRetryAfter) {
  server_.Upsert(PodsResource(), Pod("a"));
  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods/a", 503, "overloaded");
  absl::Status status = client_->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(GetApiStatus(status)->reason, "ServiceUnavailable");

  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods/a", 500, "", {{"Retry-After", "0"}});
  EXPECT_TRUE(client_->Get(PodsResource(), "default", "a").ok());
  EXPECT_EQ(Requests("get", "500"), 1);
  EXPECT_EQ(Requests("get", "503"), 1);
}

TEST_F(RestClientTest, ClientSideRateLimit) {
  auto client = MakeClient({.rate_limit = {.qps = 1, .burst = 1}});
  server_.Upsert(PodsResource(), Pod("a"));
  ASSERT_TRUE(client->Get(PodsResource(), "default", "a").ok());
  absl::Status second;
  std::thread caller([&] { second = client->Get(PodsResource(), "default", "a").status(); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(server_.requests().size(), 1u);  // held back by the limiter
  clock_.Advance(absl::Seconds(1));
  caller.join();
  EXPECT_TRUE(second.ok()) << second;
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(RestClientTest, NonJsonSuccessBodyIsDataLoss) {
  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods/a", 200, "<html>");
  EXPECT_TRUE(absl::IsDataLoss(client_->Get(PodsResource(), "default", "a").status()));
  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods", 200, "{\"items\":[");
  EXPECT_TRUE(absl::IsDataLoss(client_->List(PodsResource(), "default").status()));
}

class TokenTest : public RestClientTest {
 protected:
  void SetUp() override {}
};

TEST_F(TokenTest, BearerTokenAndTokenFileRotation) {
  testing::ScriptedApiServer server({.required_token = "one"});
  server.AddResource(PodsResource());
  ASSERT_TRUE(server.Start().ok());
  testing::TempDir dir;
  const std::string token_file = dir.Write("token", "one\n");
  auto client = MakeClient({}, RestConfig{.server = server.url(), .bearer_token_file = token_file});
  EXPECT_TRUE(absl::IsNotFound(client->Get(PodsResource(), "default", "a").status()));
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer one");

  server.SetToken("two");  // rotated on the server and, a moment later, on disk
  dir.Write("token", "two\n");
  EXPECT_TRUE(absl::IsNotFound(client->Get(PodsResource(), "default", "a").status()));
  EXPECT_EQ(server.requests().size(), 3u);  // 401, then a retry with the re-read token
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer two");

  auto wrong = MakeClient({}, RestConfig{.server = server.url(), .bearer_token = "nope"});
  absl::Status status = wrong->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsUnauthenticated(status)) << status;
}

TEST(RestClientTransportTest, TimeoutAndConnectionRefused) {
  // A socket that accepts connections (the kernel completes the handshake) but never
  // answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int port = ntohs(addr.sin_port);

  RestClientOptions options;
  options.timeout = absl::Milliseconds(300);
  options.rate_limit.qps = 0;
  auto client = NewRestClient(LoopbackConfig("127.0.0.1", port), options);
  ASSERT_TRUE(client.ok());
  absl::Status status = (*client)->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  ::close(fd);

  status = (*client)->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
}

}  // namespace

namespace testing {
INSTANTIATE_TEST_SUITE_P(Scripted, ApiProtocolTest, ::testing::Values(ScriptedBackendFactory()),
                         BackendName);
}  // namespace testing

}  // namespace flyover::kube
