// Store::Watch: live fan-out, history replay, predicates, slow watchers, bookmarks, shutdown.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "apiserver/storage/errors.h"
#include "apiserver/storage/store.h"
#include "apiserver/storage/testing/memory_revision_log.h"
#include "apiserver/storage/testing/metric_reader.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A long fake-time timeout: with a FakeClock that nobody advances, NextBatch simply waits for
// its events.
constexpr absl::Duration kWait = absl::Hours(1);

ObjectKey WatchedPod(const std::string& name, const std::string& ns = "default") {
  return {"pods", ns, name};
}

// "<TYPE> <revision> <object>" for each of the next `count` events.
std::vector<std::string> Take(Watcher& watcher, size_t count) {
  std::vector<std::string> seen;
  while (seen.size() < count) {
    absl::StatusOr<std::vector<WatchEvent>> events = watcher.NextBatch(count - seen.size(), kWait);
    if (!events.ok()) {
      seen.push_back(std::string(events.status().ToString()));
      break;
    }
    for (const WatchEvent& event : *events) {
      seen.push_back(absl::StrCat(WatchEventTypeName(event.type), " ", event.revision,
                                  event.change == nullptr ? "" : " ", event.object()));
    }
  }
  return seen;
}

class StoreWatchTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(Quiet()); }

  // No periodic compaction, no bookmarks.
  static StoreOptions Quiet() {
    StoreOptions options;
    options.committer.compaction_interval = absl::ZeroDuration();
    options.watch.bookmark_interval = absl::ZeroDuration();
    return options;
  }

  void Open(StoreOptions options) {
    store_.reset();
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(log_, options, &clock_, registry_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  std::unique_ptr<Watcher> MustWatch(WatchOptions options) {
    absl::StatusOr<std::unique_ptr<Watcher>> watcher = store_->Watch(std::move(options));
    EXPECT_TRUE(watcher.ok()) << watcher.status();
    return watcher.ok() ? *std::move(watcher) : nullptr;
  }

  void Write(const ObjectKey& key, const std::string& value) {
    absl::StatusOr<StoredObject> written =
        store_->Get(key).ok() ? store_->Update(key, value) : store_->Create(key, value);
    ASSERT_TRUE(written.ok()) << written.status();
  }

  FakeClock clock_;
  std::shared_ptr<MemoryRevisionLog> log_ = std::make_shared<MemoryRevisionLog>();
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Store> store_;
};

TEST_F(StoreWatchTest, LiveEventsArriveInRevisionOrderWithinScope) {
  std::unique_ptr<Watcher> all = MustWatch({.resource = "pods"});
  std::unique_ptr<Watcher> one = MustWatch({.resource = "pods", .namespace_ = "ns1"});
  Write(WatchedPod("a", "ns1"), "a1");
  Write(WatchedPod("b", "ns2"), "b1");
  Write({"nodes", "", "n"}, "n1");
  Write(WatchedPod("a", "ns1"), "a2");
  ASSERT_TRUE(store_->Delete(WatchedPod("a", "ns1")).ok());
  EXPECT_THAT(Take(*all, 4),
              ElementsAre("ADDED 1 a1", "ADDED 2 b1", "MODIFIED 4 a2", "DELETED 5 a2"));
  EXPECT_THAT(Take(*one, 3), ElementsAre("ADDED 1 a1", "MODIFIED 4 a2", "DELETED 5 a2"));
}

TEST_F(StoreWatchTest, WatchFromARevisionReplaysHistoryThenGoesLive) {
  StoreOptions options = Quiet();
  options.watch.replay_page = 2;  // several history pages
  Open(options);
  for (int i = 1; i <= 6; ++i) Write(WatchedPod("a"), "v" + std::to_string(i));
  std::unique_ptr<Watcher> watcher = MustWatch({.resource = "pods", .from_revision = 3});
  EXPECT_THAT(Take(*watcher, 3), ElementsAre("MODIFIED 4 v4", "MODIFIED 5 v5", "MODIFIED 6 v6"));
  Write(WatchedPod("a"), "v7");
  EXPECT_THAT(Take(*watcher, 1), ElementsAre("MODIFIED 7 v7"));
}

TEST_F(StoreWatchTest, ReplayRacingLiveWritesHasNoGapOrDuplicate) {
  StoreOptions options = Quiet();
  options.watch.replay_page = 7;
  Open(options);
  for (int i = 0; i < 50; ++i) Write(WatchedPod("p" + std::to_string(i % 5)), std::to_string(i));
  std::unique_ptr<Watcher> watcher = MustWatch({.resource = "pods", .from_revision = 0});
  constexpr int kMore = 150;
  std::thread writer([&] {
    for (int i = 50; i < 50 + kMore; ++i)
      Write(WatchedPod("p" + std::to_string(i % 5)), std::to_string(i));
  });
  std::vector<int64_t> revisions;
  while (revisions.size() < 50 + kMore) {
    absl::StatusOr<std::vector<WatchEvent>> events = watcher->NextBatch(16, kWait);
    ASSERT_TRUE(events.ok()) << events.status();
    for (const WatchEvent& event : *events) revisions.push_back(event.revision);
  }
  writer.join();
  for (size_t i = 0; i < revisions.size(); ++i)
    ASSERT_EQ(revisions[i], static_cast<int64_t>(i) + 1);
}

TEST_F(StoreWatchTest, WatchFromCompactedHistoryIsExpired) {
  for (int i = 1; i <= 4; ++i) Write(WatchedPod("a"), std::to_string(i));
  ASSERT_TRUE(store_->Compact(3).ok());
  absl::Status expired = store_->Watch({.resource = "pods", .from_revision = 2}).status();
  EXPECT_TRUE(IsExpired(expired)) << expired;
  EXPECT_THAT(expired.message(), HasSubstr("resourceVersion 2"));
  std::unique_ptr<Watcher> ok = MustWatch({.resource = "pods", .from_revision = 3});
  EXPECT_THAT(Take(*ok, 1), ElementsAre("MODIFIED 4 4"));
}

TEST_F(StoreWatchTest, BadWatchOptionsNameTheField) {
  Write(WatchedPod("a"), "1");
  EXPECT_THAT(store_->Watch({.resource = "pods", .from_revision = 5}).status().message(),
              HasSubstr("from_revision"));
  EXPECT_THAT(store_->Watch({.resource = ""}).status().message(), HasSubstr("resource"));
  EXPECT_THAT(store_->Watch({.resource = "pods", .queue_capacity = 0}).status().message(),
              HasSubstr("queue_capacity"));
}

TEST_F(StoreWatchTest, PredicatesSeeObjectsEnterAndLeave) {
  auto blue = [](absl::string_view object) {
    return object.find("blue") != absl::string_view::npos;
  };
  std::unique_ptr<Watcher> watcher = MustWatch({.resource = "pods", .predicate = blue});
  Write(WatchedPod("a"), "red");
  Write(WatchedPod("a"), "blue");
  Write(WatchedPod("a"), "blue2");
  Write(WatchedPod("a"), "red2");
  ASSERT_TRUE(store_->Delete(WatchedPod("a")).ok());
  Write(WatchedPod("b"), "blue-b");
  EXPECT_THAT(Take(*watcher, 4),
              ElementsAre("ADDED 2 blue", "MODIFIED 3 blue2", "DELETED 4 blue2", "ADDED 6 blue-b"));
}

TEST_F(StoreWatchTest, ASlowWatcherIsDroppedWithoutDelayingOthers) {
  std::unique_ptr<Watcher> slow = MustWatch({.resource = "pods", .queue_capacity = 2});
  std::unique_ptr<Watcher> fast = MustWatch({.resource = "pods"});
  for (int i = 1; i <= 3; ++i) Write(WatchedPod("a"), std::to_string(i));
  EXPECT_THAT(Take(*fast, 3), ElementsAre("ADDED 1 1", "MODIFIED 2 2", "MODIFIED 3 3"));
  // Opening a watcher takes the hub's lock, so this returns after the dispatch that overflowed
  // the slow watcher has finished.
  std::unique_ptr<Watcher> barrier = MustWatch({.resource = "pods"});
  absl::StatusOr<std::vector<WatchEvent>> dropped = slow->NextBatch(10, kWait);
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(dropped.status().message(), HasSubstr("fell behind"));
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_watchers_dropped_total"), 1);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_watchers"), 2);
  Write(WatchedPod("a"), "4");
  EXPECT_THAT(Take(*fast, 1), ElementsAre("MODIFIED 4 4"));
}

TEST_F(StoreWatchTest, BookmarksTellHowFarAWatcherHasSeen) {
  StoreOptions options = Quiet();
  options.watch.bookmark_interval = absl::Minutes(1);
  Open(options);
  std::unique_ptr<Watcher> watcher = MustWatch({.resource = "pods", .bookmarks = true});
  Write(WatchedPod("a"), "1");
  Write({"nodes", "", "n"}, "1");  // not watched, but the bookmark covers it
  EXPECT_THAT(Take(*watcher, 1), ElementsAre("ADDED 1 1"));
  clock_.Advance(absl::Minutes(1));
  EXPECT_THAT(Take(*watcher, 1), ElementsAre("BOOKMARK 2"));
}

TEST_F(StoreWatchTest, AThousandWatchersEachSeeEveryEvent) {
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < 1000; ++i) watchers.push_back(MustWatch({.resource = "pods"}));
  for (int i = 1; i <= 5; ++i) Write(WatchedPod("p" + std::to_string(i)), "v");
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_watchers"), 1000);
  for (auto& watcher : watchers) ASSERT_EQ(Take(*watcher, 5).back(), "ADDED 5 v");
}

TEST_F(StoreWatchTest, StopAndCloseEndWatchers) {
  std::unique_ptr<Watcher> stopped = MustWatch({.resource = "pods"});
  std::unique_ptr<Watcher> open = MustWatch({.resource = "pods"});
  stopped->Stop();
  EXPECT_EQ(stopped->NextBatch(1, kWait).status().code(), absl::StatusCode::kCancelled);
  store_->Close();
  store_.reset();  // the watcher outlives the store
  EXPECT_EQ(open->NextBatch(1, kWait).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(testing::ReadMetric(*registry_, "flyover_apiserver_storage_watchers"), 0);
}

TEST_F(StoreWatchTest, NextTimesOutWithNothingToSay) {
  std::unique_ptr<Watcher> watcher = MustWatch({.resource = "pods"});
  std::thread advance([&] {
    ASSERT_TRUE(clock_.BlockUntilWaiters(3));  // committer, dispatcher and the watcher
    clock_.Advance(absl::Seconds(5));
  });
  absl::StatusOr<std::optional<WatchEvent>> event = watcher->Next(absl::Seconds(5));
  advance.join();
  ASSERT_TRUE(event.ok());
  EXPECT_FALSE(event->has_value());
}

}  // namespace
}  // namespace flyover::apiserver::storage
