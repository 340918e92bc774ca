// Protocol suite, watch half: RestClient::Watch and RunResumingWatch against any ApiBackend.
#include <stop_token>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/protocol_suite.h"
#include "kube/client/watch_loop.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::StartsWith;

// Runs one watch or resuming-watch loop on a thread; Join() returns its status.
class WatchRunner {
 public:
  explicit WatchRunner(bool keep_bookmarks = false) : recorder_(keep_bookmarks) {}
  ~WatchRunner() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  void Watch(RestClient* client, RestWatchOptions options) {
    thread_ = std::thread([this, client, options] {
      status_ = client->Watch(PodsResource(), "default", options, recorder_.Handler(),
                              stop_.get_token());
    });
  }
  void Resume(RestClient* client, std::string rv, ResumingWatchOptions options = {}) {
    options.random = [] { return 0.25; };
    thread_ = std::thread([this, client, rv, options] {
      status_ = RunResumingWatch(client, PodsResource(), "default", rv, options,
                                 recorder_.Handler(), stop_.get_token(), &last_rv_);
    });
  }
  absl::Status Join() {
    thread_.join();
    return status_;
  }
  absl::Status StopAndJoin() {
    stop_.request_stop();
    return Join();
  }
  EventRecorder& recorder() { return recorder_; }
  const std::string& last_rv() const { return last_rv_; }  // after Join()

 private:
  EventRecorder recorder_;
  std::stop_source stop_;
  std::thread thread_;
  absl::Status status_;
  std::string last_rv_;
};

TEST_P(ApiProtocolTest, WatchSendsInitialStateThenChangesThenEndsCleanly) {
  json a = CreatePod(TestPod("a"));
  json b = CreatePod(TestPod("b"));
  WatchRunner watch;
  watch.Watch(client_.get(),
              {.resource_version = "", .allow_bookmarks = false, .timeout = absl::Seconds(3)});
  ASSERT_TRUE(watch.recorder().WaitFor(2));  // the initial state: the watch is open
  json a2 = *client_->Patch(PodsResource(), "default", "a", {{"metadata", {{"labels", {{"v", "2"}}}}}});
  ASSERT_TRUE(client_->Delete(PodsResource(), "default", "b").ok());
  ASSERT_TRUE(watch.recorder().WaitFor(4));
  absl::Status status = watch.Join();  // the server ends it after timeoutSeconds
  EXPECT_TRUE(status.ok()) << status;
  std::vector<std::string> events = watch.recorder().events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_THAT(std::vector<std::string>(events.begin(), events.begin() + 3),
              ElementsAre("ADDED a@" + Rv(a), "ADDED b@" + Rv(b), "MODIFIED a@" + Rv(a2)));
  EXPECT_THAT(events[3], StartsWith("DELETED b@"));
  EXPECT_GT(RvNumber(events[3].substr(events[3].find('@') + 1)), RvNumber(Rv(a2)));
}

TEST_P(ApiProtocolTest, WatchResumesAfterAResourceVersionAndDeliversBookmarks) {
  json a = CreatePod(TestPod("a"));
  json b = CreatePod(TestPod("b"));
  WatchRunner watch(/*keep_bookmarks=*/true);
  watch.Watch(client_.get(), {.resource_version = Rv(a)});
  ASSERT_TRUE(watch.recorder().WaitFor(1));
  backend().RequestBookmark();
  ASSERT_TRUE(watch.recorder().WaitFor(2));
  EXPECT_TRUE(absl::IsCancelled(watch.StopAndJoin()));
  std::vector<std::string> events = watch.recorder().events();
  EXPECT_EQ(events[0], "ADDED b@" + Rv(b));  // only what came after `a`
  EXPECT_THAT(events[1], StartsWith("BOOKMARK @"));
  EXPECT_GE(RvNumber(events[1].substr(events[1].find('@') + 1)), RvNumber(Rv(b)));
}

TEST_P(ApiProtocolTest, WatchFromACompactedVersionIsExpired) {
  json a = CreatePod(TestPod("a"));
  CreatePod(TestPod("b"));
  ASSERT_TRUE(backend().Compact().ok());
  WatchRunner watch;
  watch.Watch(client_.get(), {.resource_version = Rv(a)});
  absl::Status status = watch.Join();
  EXPECT_TRUE(IsGoneOrExpired(status)) << status;
  EXPECT_TRUE(absl::IsOutOfRange(status));
  ASSERT_TRUE(GetApiStatus(status).has_value());
  EXPECT_EQ(GetApiStatus(status)->reason, "Expired");
  EXPECT_TRUE(watch.recorder().events().empty());
}

TEST_P(ApiProtocolTest, WatchStopUnblocksAnIdleWatch) {
  WatchRunner watch;
  watch.Watch(client_.get(), {.resource_version = "0"});
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_TRUE(absl::IsCancelled(watch.StopAndJoin()));
}

TEST_P(ApiProtocolTest, WatchHandlerErrorEndsTheWatch) {
  CreatePod(TestPod("a"));
  std::stop_source stop;
  absl::Status status = client_->Watch(
      PodsResource(), "default", {.resource_version = "0"},
      [](WatchStreamEvent) { return absl::InternalError("handler says no"); }, stop.get_token());
  EXPECT_EQ(status, absl::InternalError("handler says no"));
}

TEST_P(ApiProtocolTest, WatchRefusesAnOversizedEvent) {
  auto client = MakeClient({.watch_decoder = {.max_event_bytes = 8192}});
  CreatePod(TestPod("big"));
  json huge = TestPod("huge");
  huge["metadata"]["annotations"] = {{"blob", std::string(16384, 'y')}};
  CreatePod(huge);
  WatchRunner watch;
  watch.Watch(client.get(), {.resource_version = "0"});
  EXPECT_TRUE(absl::IsResourceExhausted(watch.Join()));
  EXPECT_THAT(watch.recorder().events(), ElementsAre(StartsWith("ADDED big@")));
}

TEST_P(ApiProtocolTest, ResumingWatchReconnectsFromTheLastVersionAfterACleanEnd) {
  json a = CreatePod(TestPod("a"));
  WatchRunner watch;
  // Each watch asks for 2.5 s (2 s * (1 + 0.25)); the server ends it, the loop reconnects.
  watch.Resume(client_.get(), Rv(a), {.min_watch_timeout = absl::Seconds(2)});
  json b = CreatePod(TestPod("b"));
  ASSERT_TRUE(watch.recorder().WaitFor(1));
  absl::SleepFor(absl::Seconds(4));  // past the first watch's end
  json c = CreatePod(TestPod("c"));
  ASSERT_TRUE(watch.recorder().WaitFor(2));
  EXPECT_TRUE(absl::IsCancelled(watch.StopAndJoin()));
  EXPECT_THAT(watch.recorder().events(), ElementsAre("ADDED b@" + Rv(b), "ADDED c@" + Rv(c)));
  EXPECT_EQ(watch.last_rv(), Rv(c));
  EXPECT_GE(Metric("flyover_rest_client_watch_restarts_total",
                   {{"resource", "pods"}, {"reason", "closed"}}),
            1);
}

TEST_P(ApiProtocolTest, ServerRestartMidWatchResumesWithoutLossOrDuplicates) {
  json a = CreatePod(TestPod("a"));
  WatchRunner watch;
  watch.Resume(client_.get(), "0");
  ASSERT_TRUE(watch.recorder().WaitFor(1));  // the initial ADDED
  ASSERT_TRUE(backend().Restart().ok());
  // Changed while the loop backs off (0.8 s * 1.25) after losing its stream.
  json a2 = *client_->Patch(PodsResource(), "default", "a", {{"metadata", {{"labels", {{"v", "2"}}}}}});
  json b = CreatePod(TestPod("b"));
  ASSERT_TRUE(watch.recorder().WaitFor(3));
  absl::SleepFor(absl::Milliseconds(300));  // room for a duplicate to show up
  EXPECT_TRUE(absl::IsCancelled(watch.StopAndJoin()));
  EXPECT_THAT(watch.recorder().events(),
              ElementsAre("ADDED a@" + Rv(a), "MODIFIED a@" + Rv(a2), "ADDED b@" + Rv(b)));
  EXPECT_EQ(watch.last_rv(), Rv(b));
  const double restarts =
      Metric("flyover_rest_client_watch_restarts_total", {{"resource", "pods"}, {"reason", "error"}}) +
      Metric("flyover_rest_client_watch_restarts_total", {{"resource", "pods"}, {"reason", "closed"}});
  EXPECT_GE(restarts, 1);
}

TEST_P(ApiProtocolTest, ResumingWatchReturnsExpiredForARelist) {
  json a = CreatePod(TestPod("a"));
  CreatePod(TestPod("b"));
  ASSERT_TRUE(backend().Compact().ok());
  WatchRunner watch;
  watch.Resume(client_.get(), Rv(a));
  absl::Status status = watch.Join();
  EXPECT_TRUE(IsGoneOrExpired(status)) << status;
  EXPECT_EQ(Metric("flyover_rest_client_relists_total",
                   {{"resource", "pods"}, {"reason", "watch_expired"}}),
            1);
}

TEST_P(ApiProtocolTest, ResumingWatchReturnsAHandlerErrorWithoutCountingItsEvent) {
  json a = CreatePod(TestPod("a"));
  CreatePod(TestPod("b"));
  std::string last;
  int calls = 0;
  std::stop_source stop;
  absl::Status status = RunResumingWatch(
      client_.get(), PodsResource(), "default", "0", {.allow_bookmarks = false},
      [&](WatchStreamEvent) { return ++calls == 2 ? absl::InternalError("full") : absl::OkStatus(); },
      stop.get_token(), &last);
  EXPECT_EQ(status, absl::InternalError("full"));
  EXPECT_EQ(last, Rv(a));
}

}  // namespace
}  // namespace flyover::kube::testing
