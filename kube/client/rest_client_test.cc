// Protocol tests: RestClient against the scripted API server over real HTTP.
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
#include "kube/client/testing/scripted_api_server.h"
#include "kube/client/testing/temp_dir.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MetricValue;
using testing::ScriptedApiServer;

json Pod(const std::string& name, const std::string& ns = "default",
         json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"containers", {{{"name", "c"}, {"image", "busybox"}}}}}}};
}

std::vector<std::string> Names(const std::vector<json>& items) {
  std::vector<std::string> names;
  for (const json& item : items) names.push_back(item["metadata"]["name"]);
  return names;
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

TEST_F(RestClientTest, CreateGetListDelete) {
  absl::StatusOr<json> created = client_->Create(PodsResource(), "default", Pod("a"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_FALSE((*created)["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("b")).ok());
  ASSERT_TRUE(client_->Create(PodsResource(), "other", Pod("c", "other")).ok());

  absl::StatusOr<json> got = client_->Get(PodsResource(), "default", "a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ((*got)["metadata"]["uid"], (*created)["metadata"]["uid"]);

  absl::StatusOr<ObjectList> in_default = client_->List(PodsResource(), "default");
  ASSERT_TRUE(in_default.ok()) << in_default.status();
  EXPECT_THAT(Names(in_default->items), ElementsAre("a", "b"));
  EXPECT_EQ(in_default->items[0]["kind"], "Pod");  // filled in by the list decoder
  EXPECT_EQ(in_default->resource_version, absl::StrCat(server_.resource_version()));
  absl::StatusOr<ObjectList> everywhere = client_->List(PodsResource(), "");
  ASSERT_TRUE(everywhere.ok());
  EXPECT_EQ(everywhere->items.size(), 3u);

  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "a").ok());
  absl::Status gone = client_->Get(PodsResource(), "default", "a").status();
  EXPECT_TRUE(absl::IsNotFound(gone)) << gone;
  EXPECT_THAT(gone.message(), HasSubstr("pods \"a\" not found"));
  EXPECT_EQ(GetApiStatus(gone)->reason, "NotFound");
  EXPECT_TRUE(absl::IsNotFound(client_->Delete(PodsResource(), "default", "a")));
  EXPECT_EQ(Requests("get", "404"), 1);
  EXPECT_EQ(Requests("create", "201"), 3);
  EXPECT_EQ(MetricValue(*registry_, "flyover_rest_client_request_duration_seconds",
                        {{"verb", "create"}, {"resource", "pods"}}),
            3);
}

TEST_F(RestClientTest, AlreadyExistsAndConflictAreDistinct) {
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("a")).ok());
  absl::Status exists = client_->Create(PodsResource(), "default", Pod("a")).status();
  EXPECT_TRUE(absl::IsAlreadyExists(exists)) << exists;
  EXPECT_FALSE(IsConflict(exists));

  json current = *client_->Get(PodsResource(), "default", "a");
  json stale = current;
  current["metadata"]["labels"]["v"] = "1";
  ASSERT_TRUE(client_->Update(PodsResource(), current).ok());
  stale["metadata"]["labels"]["v"] = "2";
  absl::Status conflict = client_->Update(PodsResource(), stale).status();
  EXPECT_TRUE(absl::IsAborted(conflict)) << conflict;
  EXPECT_TRUE(IsConflict(conflict));
  EXPECT_EQ(GetApiStatus(conflict)->code, 409);

  json unconditional = stale;
  unconditional["metadata"].erase("resourceVersion");
  absl::Status invalid = client_->Update(PodsResource(), unconditional).status();
  EXPECT_TRUE(absl::IsInvalidArgument(invalid)) << invalid;
  EXPECT_TRUE(IsInvalid(invalid));
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Update(PodsResource(), json::object()).status()));
}

TEST_F(RestClientTest, StatusSubresourceWritesOnlyStatus) {
  json pod = *client_->Create(PodsResource(), "default", Pod("a"));
  pod["status"] = {{"phase", "Running"}};
  pod["spec"]["nodeName"] = "ignored";
  absl::StatusOr<json> updated = client_->UpdateStatus(PodsResource(), pod);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["status"]["phase"], "Running");
  EXPECT_FALSE((*updated)["spec"].contains("nodeName"));
  EXPECT_EQ(server_.requests("PUT", "/api/v1/namespaces/default/pods/a/status").size(), 1u);

  absl::StatusOr<json> patched =
      client_->Patch(PodsResource(), "default", "a", {{"status", {{"phase", "Succeeded"}}}},
                     PatchOptions{.subresource = "status"});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["status"]["phase"], "Succeeded");
  // A main-resource write keeps the status.
  json main = *patched;
  main["status"] = {{"phase", "Failed"}};
  EXPECT_EQ((*client_->Update(PodsResource(), main))["status"]["phase"], "Succeeded");
}

TEST_F(RestClientTest, MergePatchAndDryRun) {
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("a", "default", {{"x", "1"}})).ok());
  absl::StatusOr<json> patched = client_->Patch(
      PodsResource(), "default", "a", {{"metadata", {{"labels", {{"x", nullptr}, {"y", "2"}}}}}});
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["metadata"]["labels"], json({{"y", "2"}}));
  auto patches = server_.requests("PATCH", "/api/v1/namespaces/default/pods/a");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(patches[0].Header("Content-Type"), "application/merge-patch+json");

  absl::StatusOr<json> dry = client_->Create(PodsResource(), "default", Pod("b"),
                                             WriteOptions{.dry_run = true});
  ASSERT_TRUE(dry.ok()) << dry.status();
  EXPECT_EQ((*dry)["metadata"]["name"], "b");
  EXPECT_FALSE(server_.Object(PodsResource(), "default", "b").has_value());
  EXPECT_EQ(server_.requests("POST", "/api/v1/namespaces/default/pods").back().Param("dryRun"),
            "All");
  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "a", DeleteOptions{.dry_run = true}).ok());
  EXPECT_TRUE(server_.Object(PodsResource(), "default", "a").has_value());
}

TEST_F(RestClientTest, ServerSideApplyWithFieldManagersAndForce) {
  json job = {{"apiVersion", "training.flyover.dev/v1alpha1"},
              {"kind", "PostTrainingJob"},
              {"metadata", {{"name", "j"}, {"namespace", "default"}}},
              {"spec", {{"replicas", 2}}}};
  const ResourceDescriptor& jobs = PostTrainingJobsResource();
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Apply(jobs, job, ApplyOptions{}).status()));
  EXPECT_TRUE(server_.requests().empty());  // refused before sending

  ASSERT_TRUE(client_->Apply(jobs, job, ApplyOptions{.field_manager = "alice"}).ok());
  auto applies = server_.requests("PATCH", "/apis/training.flyover.dev/v1alpha1/namespaces/"
                                           "default/posttrainingjobs/j");
  ASSERT_EQ(applies.size(), 1u);
  EXPECT_EQ(applies[0].Header("Content-Type"), "application/apply-patch+yaml");
  EXPECT_EQ(applies[0].Param("fieldManager"), "alice");

  job["spec"]["replicas"] = 4;
  absl::Status conflict = client_->Apply(jobs, job, ApplyOptions{.field_manager = "bob"}).status();
  EXPECT_TRUE(IsConflict(conflict)) << conflict;
  EXPECT_THAT(conflict.message(), HasSubstr("conflict with \"alice\": .spec.replicas"));
  absl::StatusOr<json> forced =
      client_->Apply(jobs, job, ApplyOptions{.field_manager = "bob", .force = true});
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_EQ((*forced)["spec"]["replicas"], 4);
  EXPECT_EQ(server_.requests().back().Param("force"), "true");
}

TEST_F(RestClientTest, BindAssignsThePodOnce) {
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("a")).ok());
  ASSERT_TRUE(client_->Bind("default", "a", "node-1").ok());
  EXPECT_EQ((*server_.Object(PodsResource(), "default", "a"))["spec"]["nodeName"], "node-1");
  auto binds = server_.requests("POST", "/api/v1/namespaces/default/pods/a/binding");
  ASSERT_EQ(binds.size(), 1u);
  json body = json::parse(binds[0].body);
  EXPECT_EQ(body["kind"], "Binding");
  EXPECT_EQ(body["target"]["name"], "node-1");
  absl::Status again = client_->Bind("default", "a", "node-2");
  EXPECT_TRUE(IsConflict(again)) << again;
  EXPECT_TRUE(absl::IsNotFound(client_->Bind("default", "missing", "node-1")));
}

TEST_F(RestClientTest, LabelAndFieldSelectors) {
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("a", "default", {{"app", "web"}})).ok());
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("b", "default", {{"app", "db"}})).ok());
  ASSERT_TRUE(client_->Create(PodsResource(), "default", Pod("c")).ok());
  auto names = [&](RestListOptions options) {
    absl::StatusOr<ObjectList> list = client_->List(PodsResource(), "default", options);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? Names(list->items) : std::vector<std::string>{};
  };
  EXPECT_THAT(names({.label_selector = "app=web"}), ElementsAre("a"));
  EXPECT_THAT(names({.label_selector = "app!=web"}), ElementsAre("b", "c"));
  EXPECT_THAT(names({.label_selector = "app"}), ElementsAre("a", "b"));
  EXPECT_THAT(names({.field_selector = "metadata.name=c"}), ElementsAre("c"));
  EXPECT_EQ(server_.requests().back().Param("fieldSelector"), "metadata.name=c");
  absl::Status bad = client_->List(PodsResource(), "default", {.label_selector = "app in (a"}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
}

TEST_F(RestClientTest, ListFollowsContinueTokens) {
  for (int i = 0; i < 25; ++i) server_.Upsert(PodsResource(), Pod(absl::StrCat("p", 10 + i)));
  absl::StatusOr<ObjectList> page = client_->ListPage(PodsResource(), "default", {.limit = 10});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->items.size(), 10u);
  EXPECT_FALSE(page->continue_token.empty());
  EXPECT_EQ(page->remaining_item_count, 15);

  absl::StatusOr<ObjectList> all = client_->List(PodsResource(), "default", {.limit = 10});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->items.size(), 25u);
  EXPECT_EQ(all->items.front()["metadata"]["name"], "p10");
  EXPECT_EQ(all->items.back()["metadata"]["name"], "p34");
  auto lists = server_.requests("GET", "/api/v1/namespaces/default/pods");
  ASSERT_EQ(lists.size(), 4u);  // one ListPage, then three pages
  EXPECT_EQ(lists[3].Param("limit"), "10");
  EXPECT_FALSE(lists[3].Param("continue").empty());
}

TEST_F(RestClientTest, AnExpiredContinueTokenRestartsTheListUnpaginated) {
  for (int i = 0; i < 5; ++i) server_.Upsert(PodsResource(), Pod(absl::StrCat("p", i)));
  server_.ExpireContinueTokens();  // every token issued before the next write is stale
  absl::StatusOr<ObjectList> all = client_->List(PodsResource(), "default", {.limit = 2});
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Names(all->items), ElementsAre("p0", "p1", "p2", "p3", "p4"));
  auto lists = server_.requests("GET", "/api/v1/namespaces/default/pods");
  ASSERT_EQ(lists.size(), 3u);  // page 1, expired page 2, full relist
  EXPECT_EQ(lists[2].Param("limit"), "");
  EXPECT_EQ(lists[2].Param("continue"), "");
  EXPECT_EQ(Requests("list", "410"), 1);
  EXPECT_EQ(MetricValue(*registry_, "flyover_rest_client_relists_total",
                        {{"resource", "pods"}, {"reason", "continue_expired"}}),
            1);
  // Without paging, an expired token is the caller's to handle.
  absl::Status expired =
      client_->ListPage(PodsResource(), "default", {.continue_token = lists[1].Param("continue")})
          .status();
  EXPECT_TRUE(IsGoneOrExpired(expired)) << expired;
  EXPECT_TRUE(absl::IsOutOfRange(expired));
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
}  // namespace flyover::kube
