// Watch streams through ApiHandler: initial state, live changes, selectors, resourceVersion
// semantics, expiry and bookmarks.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "apiserver/server/testing/api_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::flyover::apiserver::testing::ApiFixture;
using ::flyover::apiserver::testing::PodJson;
using json = nlohmann::json;

constexpr char kWatchPods[] = "/api/v1/namespaces/default/pods";

// Runs a streaming response on its own thread and collects its events.
class StreamReader {
 public:
  explicit StreamReader(HttpResponse response) : response_(std::move(response)) {
    thread_ = std::thread([this] {
      StreamSink sink;
      sink.write = [this](absl::string_view chunk) {
        absl::MutexLock lock(&mu_);
        for (absl::string_view line : absl::StrSplit(chunk, '\n', absl::SkipWhitespace())) {
          events_.push_back(json::parse(line, nullptr, false));
        }
        return true;
      };
      sink.stopping = [] { return false; };
      response_.stream(sink);
      absl::MutexLock lock(&mu_);
      ended_ = true;
    });
  }
  ~StreamReader() { thread_.join(); }

  // Waits (up to 10 s) for `count` events and returns the events so far.
  std::vector<json> Await(size_t count) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, count] {
      mu_.AssertHeld();
      return events_.size() >= count || ended_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(10));
    return events_;
  }

  bool ended() {
    absl::MutexLock lock(&mu_);
    return ended_;
  }

 private:
  HttpResponse response_;
  absl::Mutex mu_;
  std::vector<json> events_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

std::vector<std::string> Summary(const std::vector<json>& events) {
  std::vector<std::string> out;
  for (const json& event : events) {
    out.push_back(
        absl::StrCat(event.value("type", "?"), " ", event["object"]["metadata"].value("name", "")));
  }
  return out;
}

TEST(WatchHandlerTest, StartsWithTheCurrentStateThenFollowsChanges) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("a")).status, 201);
  HttpResponse response = api.Call("GET", absl::StrCat(kWatchPods, "?watch=true"));
  ASSERT_TRUE(response.stream);
  EXPECT_EQ(response.content_type, "application/json;stream=watch");
  StreamReader reader(std::move(response));
  reader.Await(1);
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("b")).status, 201);
  ASSERT_EQ(api.Call("DELETE", absl::StrCat(kWatchPods, "/a")).status, 200);
  const std::vector<json> events = reader.Await(3);
  EXPECT_THAT(Summary(events), ::testing::ElementsAre("ADDED a", "ADDED b", "DELETED a"));
  EXPECT_FALSE(events[1]["object"]["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(api.metrics().open_watches(), 1);
  api.watches().StopAll();
}

TEST(WatchHandlerTest, ResumesFromAResourceVersionWithSelectors) {
  ApiFixture api;
  const json a = ApiFixture::Json(api.Call("POST", kWatchPods, PodJson("a", {{"app", "x"}})));
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("b", {{"app", "y"}})).status, 201);
  StreamReader reader(
      api.Call("GET", absl::StrCat(kWatchPods, "?watch=1&labelSelector=app=x&resourceVersion=",
                                   a["metadata"]["resourceVersion"].get<std::string>())));
  ASSERT_EQ(api.Call("PATCH", absl::StrCat(kWatchPods, "/a"), R"({"metadata":{"labels":{"app":"z"}}})",
                     {{"content-type", "application/merge-patch+json"}})
                .status,
            200);
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("c", {{"app", "x"}})).status, 201);
  // "b" never matched; "a" stopped matching: DELETED.
  EXPECT_THAT(Summary(reader.Await(2)), ::testing::ElementsAre("DELETED a", "ADDED c"));
  api.watches().StopAll();
}

TEST(WatchHandlerTest, WatchesOneObjectByName) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("a")).status, 201);
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("b")).status, 201);
  StreamReader reader(api.Call("GET", "/api/v1/watch/namespaces/default/pods/b"));
  ASSERT_EQ(api.Call("DELETE", absl::StrCat(kWatchPods, "/b")).status, 200);
  EXPECT_THAT(Summary(reader.Await(2)), ::testing::ElementsAre("ADDED b", "DELETED b"));
  api.watches().StopAll();
}

TEST(WatchHandlerTest, TooOldResourceVersionIsAnExpiredErrorEvent) {
  ApiFixture api;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(api.Call("POST", kWatchPods, PodJson(absl::StrCat("p", i))).status, 201);
  }
  ASSERT_TRUE(api.store().Compact(api.store().CurrentRevision()).ok());
  StreamReader reader(api.Call("GET", absl::StrCat(kWatchPods, "?watch=true&resourceVersion=1")));
  const std::vector<json> events = reader.Await(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_EQ(events[0]["object"]["reason"], "Expired");
}

TEST(WatchHandlerTest, SendsBookmarksAndEndsAtItsTimeout) {
  storage::StoreOptions options = ApiFixture::DefaultStoreOptions();
  options.watch.bookmark_interval = absl::Milliseconds(20);
  ApiFixture api(options);
  const int64_t now = api.store().CurrentRevision();
  StreamReader reader(
      api.Call("GET", absl::StrCat(kWatchPods,
                                   "?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&"
                                   "resourceVersion=",
                                   now)));
  const std::vector<json> events = reader.Await(1);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"]["kind"], "Pod");
  while (!reader.ended()) absl::SleepFor(absl::Milliseconds(20));
}

TEST(WatchHandlerTest, TableWatchesCarryColumnsOnTheFirstEventOnly) {
  ApiFixture api;
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("a")).status, 201);
  ASSERT_EQ(api.Call("POST", kWatchPods, PodJson("b")).status, 201);
  StreamReader reader(api.Call("GET", absl::StrCat(kWatchPods, "?watch=true"), "",
                               {{"accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}}));
  const std::vector<json> events = reader.Await(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["object"]["kind"], "Table");
  EXPECT_FALSE(events[0]["object"]["columnDefinitions"].empty());
  EXPECT_TRUE(events[1]["object"].value("columnDefinitions", json::array()).empty());
  api.watches().StopAll();
}

}  // namespace
}  // namespace flyover::apiserver
