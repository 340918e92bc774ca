// Protocol tests: RestClient::Watch and RunResumingWatch against the scripted API server:
// the requests they send and the faults only a script can produce (raw stream bytes, a
// 410 as the HTTP status, a server that stays down while time is faked). The behaviour
// cases are in the protocol suites (testing/watch_protocol_suite.cc).
#include <stop_token>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/metrics_testing.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/client/watch_loop.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using testing::MetricValue;
using testing::ScriptedApiServer;

json WatchPod(const std::string& name, json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", labels}}},
          {"spec", {{"containers", json::array()}}}};
}

// Collects events from a watch running on another thread; the test waits for them.
class Recorder {
 public:
  absl::Status Record(WatchStreamEvent event) {
    absl::MutexLock lock(&mu_);
    events_.push_back(absl::StrCat(WatchStreamEventTypeName(event.type), " ",
                                   event.object["metadata"].value("name", ""), "@",
                                   event.ResourceVersion()));
    return absl::OkStatus();
  }
  WatchHandler Handler() {
    return [this](WatchStreamEvent e) { return Record(std::move(e)); };
  }
  // Waits (real time, bounded) until `count` events have arrived.
  bool WaitFor(size_t count) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return events_.size() >= count; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
  }
  std::vector<std::string> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

class WatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(PodsResource());
    ASSERT_TRUE(server_.Start().ok());
    client_ = MakeClient();
  }

  std::unique_ptr<RestClient> MakeClient(RestClientOptions options = {}) {
    options.clock = &clock_;
    options.rate_limit.qps = 0;
    options.metrics_registry = registry_;
    auto client = NewRestClient(RestConfig{.server = server_.url()}, options);
    EXPECT_TRUE(client.ok()) << client.status();
    return *std::move(client);
  }

  std::string Rv(const json& object) { return object["metadata"]["resourceVersion"]; }

  // Runs one Watch on a thread; Join() returns its status.
  void StartWatch(RestWatchOptions options, RestClient* client = nullptr) {
    if (client == nullptr) client = client_.get();
    thread_ = std::thread([this, options, client] {
      watch_status_ = client->Watch(PodsResource(), "default", options, recorder_.Handler(),
                                    stop_.get_token());
    });
  }
  absl::Status Join() {
    thread_.join();
    return watch_status_;
  }

  FakeClock clock_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  ScriptedApiServer server_;
  std::unique_ptr<RestClient> client_;
  Recorder recorder_;
  std::stop_source stop_;
  std::thread thread_;
  absl::Status watch_status_;
};

TEST_F(WatchTest, WatchRequestsAskForBookmarksAndATimeout) {
  json a = server_.Upsert(PodsResource(), WatchPod("a"));
  json b = server_.Upsert(PodsResource(), WatchPod("b"));
  StartWatch({.resource_version = ""});
  ASSERT_TRUE(server_.WaitForWatchRequests(1));
  json a2 = server_.Upsert(PodsResource(), WatchPod("a", {{"v", "2"}}));
  server_.Remove(PodsResource(), "default", "b");
  ASSERT_TRUE(recorder_.WaitFor(4));
  server_.CloseWatches();
  EXPECT_TRUE(Join().ok()) << watch_status_;
  const std::string deleted_rv = absl::StrCat(server_.resource_version());
  EXPECT_THAT(recorder_.events(),
              ElementsAre("ADDED a@" + Rv(a), "ADDED b@" + Rv(b), "MODIFIED a@" + Rv(a2),
                          "DELETED b@" + deleted_rv));
  auto watches = server_.requests("GET", "/api/v1/namespaces/default/pods");
  ASSERT_EQ(watches.size(), 1u);
  EXPECT_EQ(watches[0].Param("watch"), "true");
  EXPECT_EQ(watches[0].Param("allowWatchBookmarks"), "true");
  EXPECT_EQ(watches[0].Param("timeoutSeconds"), "300");
  EXPECT_EQ(MetricValue(*registry_, "flyover_rest_client_requests_total",
                        {{"verb", "watch"}, {"code", "200"}}),
            1);
}

TEST_F(WatchTest, GoneAsAnHttpStatusIsExpiredToo) {
  server_.InjectResponse("GET", "/api/v1/namespaces/default/pods", 410,
                         R"({"kind":"Status","code":410,"reason":"Gone","message":"gone"})");
  StartWatch({.resource_version = "5"});
  absl::Status status = Join();
  EXPECT_TRUE(IsGoneOrExpired(status)) << status;
}

TEST_F(WatchTest, MalformedEventEndsTheWatchAfterTheGoodOnes) {
  server_.InjectRawWatch("/api/v1/namespaces/default/pods",
                         {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"na", "me\":\"a\"}}}\n",
                          "{\"type\":\"ADDED\",\"object\":{oops}}\n"});
  StartWatch({.resource_version = "5"});
  absl::Status status = Join();
  EXPECT_TRUE(absl::IsDataLoss(status)) << status;
  EXPECT_THAT(recorder_.events(), ElementsAre("ADDED a@"));
}

TEST_F(WatchTest, StreamCutMidEventIsUnavailable) {
  server_.InjectRawWatch("/api/v1/namespaces/default/pods",
                         {"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n",
                          "{\"type\":\"MODIFIED\",\"obj"},
                         /*abrupt=*/true);
  StartWatch({.resource_version = "5"});
  EXPECT_TRUE(absl::IsUnavailable(Join())) << watch_status_;
  EXPECT_THAT(recorder_.events(), ElementsAre("ADDED a@"));
}

TEST_F(WatchTest, StreamEndingInsideAnEventIsUnavailable) {
  server_.InjectRawWatch("/api/v1/namespaces/default/pods", {"{\"type\":\"ADDED\",\"obj"});
  StartWatch({.resource_version = "5"});
  EXPECT_TRUE(absl::IsUnavailable(Join())) << watch_status_;
}

class ResumingWatchTest : public WatchTest {
 protected:
  void StartLoop(std::string rv) {
    thread_ = std::thread([this, rv] {
      watch_status_ = RunResumingWatch(
          client_.get(), PodsResource(), "default", rv,
          {.random = [] { return 0.25; }}, recorder_.Handler(), stop_.get_token(), &last_rv_);
    });
  }
  std::string last_rv_;
};

TEST_F(ResumingWatchTest, ReconnectsAskForTheLastResourceVersionAndAJitteredTimeout) {
  json a = server_.Upsert(PodsResource(), WatchPod("a"));
  StartLoop(Rv(a));
  ASSERT_TRUE(server_.WaitForWatchRequests(1));
  json b = server_.Upsert(PodsResource(), WatchPod("b"));
  ASSERT_TRUE(recorder_.WaitFor(1));
  server_.CloseWatches();
  ASSERT_TRUE(server_.WaitForWatchRequests(2));
  json c = server_.Upsert(PodsResource(), WatchPod("c"));
  ASSERT_TRUE(recorder_.WaitFor(2));
  stop_.request_stop();
  EXPECT_TRUE(absl::IsCancelled(Join())) << watch_status_;
  EXPECT_THAT(recorder_.events(), ElementsAre("ADDED b@" + Rv(b), "ADDED c@" + Rv(c)));
  EXPECT_EQ(last_rv_, Rv(c));
  auto watches = server_.requests("GET", "/api/v1/namespaces/default/pods");
  ASSERT_EQ(watches.size(), 2u);
  EXPECT_EQ(watches[0].Param("resourceVersion"), Rv(a));
  EXPECT_EQ(watches[1].Param("resourceVersion"), Rv(b));
  EXPECT_EQ(watches[0].Param("timeoutSeconds"), "375");  // 5 min * (1 + 0.25)
  EXPECT_EQ(MetricValue(*registry_, "flyover_rest_client_watch_restarts_total",
                        {{"resource", "pods"}, {"reason", "closed"}}),
            1);
}

TEST_F(ResumingWatchTest, BacksOffWhileTheServerIsDown) {
  server_.Stop();
  StartLoop("7");
  const int64_t want_ms[] = {1000, 2000, 4000};  // 0.8 s doubling, * (1 + 0.25)
  for (int64_t ms : want_ms) {
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
    clock_.Advance(absl::Milliseconds(ms - 1));
    EXPECT_EQ(clock_.num_waiters(), 1) << ms;
    clock_.Advance(absl::Milliseconds(1));
  }
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  stop_.request_stop();  // cuts the backoff sleep short
  EXPECT_TRUE(absl::IsCancelled(Join())) << watch_status_;
  EXPECT_EQ(last_rv_, "7");
}

}  // namespace
}  // namespace flyover::kube
