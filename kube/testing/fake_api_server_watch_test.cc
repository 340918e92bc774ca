// FakeApiServer watches: through RestClient::Watch, and under a SharedInformer fed by
// RestListerWatcher, as other modules' tests use it.
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/fake_clock.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/testing/recording_handler.h"
#include "kube/client/api_status.h"
#include "kube/testing/fake_api_server.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json WatchedPod(const std::string& name, const std::string& ns = "ml", json labels = json::object()) {
  return {{"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", json::object()}};
}

std::string Rv(const json& object) { return object["metadata"]["resourceVersion"]; }

// One RestClient::Watch on its own thread, recording "TYPE name@rv".
class WatchRun {
 public:
  WatchRun(RestClient* client, std::string ns, RestWatchOptions options) {
    thread_ = std::thread([this, client, ns, options] {
      absl::Status status = client->Watch(PodsResource(), ns, options,
                                          [this](WatchStreamEvent event) {
                                            absl::MutexLock lock(&mu_);
                                            events_.push_back(absl::StrCat(
                                                WatchStreamEventTypeName(event.type), " ",
                                                event.object["metadata"].value("name", ""), "@",
                                                event.ResourceVersion()));
                                            return absl::OkStatus();
                                          },
                                          stop_.get_token());
      absl::MutexLock lock(&mu_);
      status_ = status;
    });
  }
  // Stops the watch if it still runs.
  ~WatchRun() {
    stop_.request_stop();
    if (thread_.joinable()) thread_.join();
  }
  // Waits for the watch to end by itself; returns its status.
  absl::Status Join() {
    thread_.join();
    absl::MutexLock lock(&mu_);
    return status_;
  }
  std::vector<std::string> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
  std::stop_source stop_;
  std::thread thread_;
};

class FakeApiWatchTest : public ::testing::Test {
 protected:
  std::unique_ptr<WatchRun> Watch(RestWatchOptions options, std::string ns = "ml") {
    return std::make_unique<WatchRun>(client_.get(), std::move(ns), std::move(options));
  }

  log::CapturingSink log_sink_;
  log::ScopedSink scoped_sink_{&log_sink_};
  FakeApiServer api_;
  std::unique_ptr<RestClient> client_ = api_.NewClient();
};

TEST_F(FakeApiWatchTest, StartsWithTheCurrentStateThenStreamsChangesInOrder) {
  const json a = api_.Create(PodsResource(), WatchedPod("a")).value();
  api_.Create(PodsResource(), WatchedPod("elsewhere", "other")).value();
  auto watch = Watch({.resource_version = ""});
  ASSERT_TRUE(api_.WaitForWatches(1));
  const json b = client_->Create(PodsResource(), "ml", WatchedPod("b")).value();
  ASSERT_TRUE(client_->Delete(PodsResource(), "ml", "a").ok());
  const std::string deleted = std::to_string(api_.resource_version());
  ASSERT_TRUE(api_.WaitForWatches(1));
  EXPECT_THAT(watch->events(), ElementsAre("ADDED a@" + Rv(a), "ADDED b@" + Rv(b), "DELETED a@" + deleted));
  api_.CloseWatches();
  EXPECT_TRUE(watch->Join().ok());
  EXPECT_EQ(api_.open_watches(), 0);
}

TEST_F(FakeApiWatchTest, ResumesFromAVersionAndFiltersBySelectors) {
  const json a = api_.Create(PodsResource(), WatchedPod("a", "ml", {{"app", "x"}})).value();
  const json b = api_.Create(PodsResource(), WatchedPod("b", "ml", {{"app", "y"}})).value();
  const json c = api_.Create(PodsResource(), WatchedPod("c", "ml", {{"app", "x"}})).value();
  auto by_label = Watch({.label_selector = "app=x", .resource_version = Rv(a)});
  auto by_field = Watch({.field_selector = "metadata.name=b", .resource_version = Rv(a)});
  ASSERT_TRUE(api_.WaitForWatches(2));
  EXPECT_THAT(by_label->events(), ElementsAre("ADDED c@" + Rv(c)));
  EXPECT_THAT(by_field->events(), ElementsAre("ADDED b@" + Rv(b)));
}

TEST_F(FakeApiWatchTest, BookmarksGoOnlyToWatchesThatAskForThem) {
  api_.Create(PodsResource(), WatchedPod("a")).value();
  auto with = Watch({.resource_version = std::to_string(api_.resource_version())});
  auto without = Watch({.resource_version = std::to_string(api_.resource_version()),
                        .allow_bookmarks = false});
  ASSERT_TRUE(api_.WaitForWatches(2));
  api_.Create(ConfigMapsResource(), WatchedPod("cm")).value();  // moves the version, not pods
  api_.SendBookmark();
  ASSERT_TRUE(api_.WaitForWatches(2));
  EXPECT_THAT(with->events(), ElementsAre("BOOKMARK @" + std::to_string(api_.resource_version())));
  EXPECT_THAT(without->events(), IsEmpty());
}

TEST_F(FakeApiWatchTest, CompactionExpiresOldVersionsButNotOpenWatches) {
  const json a = api_.Create(PodsResource(), WatchedPod("a")).value();
  auto open = Watch({.resource_version = Rv(a)});
  ASSERT_TRUE(api_.WaitForWatches(1));
  const json b = api_.Create(PodsResource(), WatchedPod("b")).value();
  api_.Compact();
  ASSERT_TRUE(api_.WaitForWatches(1));
  EXPECT_THAT(open->events(), ElementsAre("ADDED b@" + Rv(b)));
  auto old = Watch({.resource_version = Rv(a)});
  EXPECT_TRUE(IsGoneOrExpired(old->Join()));
  api_.ExpireWatches();
  EXPECT_TRUE(IsGoneOrExpired(open->Join()));
}

TEST_F(FakeApiWatchTest, DroppedStoppedAndRefusedWatches) {
  auto dropped = Watch({});
  ASSERT_TRUE(api_.WaitForWatches(1));
  api_.DropWatches();
  EXPECT_TRUE(absl::IsUnavailable(dropped->Join()));
  api_.FailNext({.verb = "watch"}, 410);
  EXPECT_TRUE(IsGoneOrExpired(Watch({})->Join()));
  EXPECT_EQ(Watch({.resource_version = "x"})->Join().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(api_.ActionStrings({.verb = "watch"}), ElementsAre("watch pods ml", "watch pods ml",
                                                                 "watch pods ml"));
  auto stopped = Watch({});
  ASSERT_TRUE(api_.WaitForWatches(1));
  stopped.reset();  // requests a stop and joins: the watch must end
  EXPECT_EQ(api_.open_watches(), 0);
}

TEST_F(FakeApiWatchTest, DestroyingTheServerEndsOpenWatches) {
  auto api = std::make_unique<FakeApiServer>();
  std::unique_ptr<RestClient> client = api->NewClient();
  WatchRun watch(client.get(), "ml", {});
  ASSERT_TRUE(api->WaitForWatches(1));
  api.reset();
  EXPECT_TRUE(absl::IsUnavailable(watch.Join()));
}

TEST_F(FakeApiWatchTest, AnInformerOverTheFakeSeesWritesAndRelistsAfterExpiry) {
  const json a = api_.Create(PodsResource(), WatchedPod("a")).value();
  auto lw = std::make_shared<RestListerWatcher>(client_.get(), PodsResource(),
                                                RestListerWatcherOptions{.namespace_ = "ml"});
  FakeClock clock;  // the reflector's backoff ends when the test says
  SharedInformer informer(lw, {.resource = "pods", .clock = &clock});
  auto handler = std::make_shared<RecordingHandler>();
  HandlerRegistration registration = informer.AddEventHandler(handler);
  informer.Start();
  ASSERT_TRUE(informer.WaitForCacheSync(absl::Seconds(10)));
  ASSERT_TRUE(api_.WaitForWatches(1));
  const json b = client_->Create(PodsResource(), "ml", WatchedPod("b")).value();
  ASSERT_TRUE(api_.WaitForWatches(1));  // the informer's store has b now
  EXPECT_NE(informer.store().Get("ml/b"), nullptr);
  api_.ExpireWatches();
  const json a2 = api_.Upsert(PodsResource(), WatchedPod("a", "ml", {{"v", "2"}})).value();
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Minutes(1));
  ASSERT_TRUE(handler->WaitForState({{"ml/a", Rv(a2)}, {"ml/b", Rv(b)}}));
  EXPECT_THAT(handler->Strings(), ElementsAre("add* ml/a@" + Rv(a), "add ml/b@" + Rv(b),
                                              "update ml/a@" + Rv(a) + "->" + Rv(a2)));
  EXPECT_THAT(handler->Violations(), IsEmpty());
  EXPECT_THAT(api_.ActionStrings({.verb = "list"}), ElementsAre("list pods ml", "list pods ml"));
  informer.Stop();
}

}  // namespace
}  // namespace flyover::kube::testing
