#include "kube/cache/testing/fake_lister_watcher.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;

json ListedObj(const std::string& name) { return MakeObject({.namespace_ = "ns", .name = name}); }

// Runs one Watch on a thread and records the events it receives.
class WatchRunner {
 public:
  WatchRunner(FakeListerWatcher* fake, std::string rv, bool bookmarks = true) {
    thread_ = std::thread([this, fake, rv = std::move(rv), bookmarks] {
      absl::Status s = fake->Watch(
          {.resource_version = rv, .allow_bookmarks = bookmarks},
          [this](WatchEvent e) {
            absl::MutexLock lock(&mu_);
            const json& meta = e.object.is_object() ? e.object["metadata"] : json();
            events_.push_back(
                std::string(WatchEventTypeName(e.type)) + " " +
                (meta.is_object() ? meta.value("name", "") + "@" + meta.value("resourceVersion", "")
                                  : e.object.dump()));
            return absl::OkStatus();
          },
          &stop_);
      absl::MutexLock lock(&mu_);
      result_ = s;
    });
  }
  ~WatchRunner() {
    Stop();
    (void)Join();
  }
  absl::Status Join() {
    if (thread_.joinable()) thread_.join();
    absl::MutexLock lock(&mu_);
    return result_;
  }
  void Stop() { stop_.Stop(); }
  std::vector<std::string> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  StopSignal stop_;
  absl::Mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
  absl::Status result_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

TEST(FakeListerWatcherTest, AssignsVersionsAndUidsLikeAServer) {
  FakeListerWatcher fake;
  absl::StatusOr<json> a = fake.Create(ListedObj("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)["metadata"]["resourceVersion"], "101");
  EXPECT_EQ((*a)["metadata"]["uid"], "uid-1");
  EXPECT_EQ(fake.Create(ListedObj("a")).status().code(), absl::StatusCode::kAlreadyExists);
  json changed = ListedObj("a");
  changed["metadata"]["uid"] = "forged";
  EXPECT_EQ((*fake.Update(changed))["metadata"]["uid"], "uid-1");
  EXPECT_EQ(fake.Update(ListedObj("missing")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*fake.Delete("ns/a"))["metadata"]["resourceVersion"], "103");
  EXPECT_EQ(fake.Delete("ns/a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(fake.Create(json{{"metadata", json::object()}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fake.ResourceVersion(), "103");
  EXPECT_TRUE(fake.Objects().empty());
}

TEST(FakeListerWatcherTest, ListsTheCurrentStateOrWhatWasQueued) {
  FakeListerWatcher fake;
  ASSERT_TRUE(fake.Create(ListedObj("a")).ok());
  ASSERT_TRUE(fake.Create(ListedObj("b")).ok());
  absl::StatusOr<ListResult> list = fake.List({});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->resource_version, "102");
  EXPECT_EQ(list->items.size(), 2);
  fake.FailNextList(absl::UnavailableError("down"));
  fake.QueueListResult({{}, "5"});
  EXPECT_EQ(fake.List({}).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake.List({})->resource_version, "5");
  EXPECT_EQ(fake.CountCalls(FakeListerWatcher::Call::Kind::kList), 3);
}

TEST(FakeListerWatcherTest, WatchReplaysHistoryThenStreamsLiveEvents) {
  FakeListerWatcher fake;
  ASSERT_TRUE(fake.Create(ListedObj("a")).ok());  // 101
  ASSERT_TRUE(fake.Create(ListedObj("b")).ok());  // 102
  WatchRunner watch(&fake, "101");
  ASSERT_TRUE(fake.WaitForWatchers(1));
  ASSERT_TRUE(fake.Delete("ns/a").ok());  // 103
  fake.SendBookmark();
  ASSERT_TRUE(fake.WaitForWatchers(1));
  fake.EndWatches(absl::OkStatus());
  EXPECT_TRUE(watch.Join().ok());
  EXPECT_THAT(watch.events(), ElementsAre("ADDED b@102", "DELETED a@103", "BOOKMARK @103"));
  EXPECT_EQ(fake.active_watches(), 0);
}

TEST(FakeListerWatcherTest, WatchFromNowStartsWithTheCurrentState) {
  FakeListerWatcher fake;
  ASSERT_TRUE(fake.Create(ListedObj("a")).ok());
  WatchRunner watch(&fake, "");
  ASSERT_TRUE(fake.WaitForWatchers(1));
  watch.Stop();
  EXPECT_TRUE(watch.Join().ok());
  EXPECT_THAT(watch.events(), ElementsAre("ADDED a@101"));
}

TEST(FakeListerWatcherTest, CompactionExpiresOlderWatchesEitherWay) {
  FakeListerWatcher fake;
  ASSERT_TRUE(fake.Create(ListedObj("a")).ok());  // 101
  ASSERT_TRUE(fake.Create(ListedObj("b")).ok());  // 102
  fake.Compact();
  StopSignal stop;
  const absl::Status status = fake.Watch(
      {.resource_version = "101"}, [](WatchEvent) { return absl::OkStatus(); }, &stop);
  EXPECT_TRUE(IsResourceExpired(status)) << status;
  fake.SetExpiredAsErrorEvent(true);
  WatchRunner as_event(&fake, "101");
  ASSERT_TRUE(fake.WaitForWatchers(1));
  fake.EndWatches(absl::OkStatus());
  ASSERT_TRUE(as_event.Join().ok());
  ASSERT_EQ(as_event.events().size(), 1);
  EXPECT_THAT(as_event.events()[0], ::testing::HasSubstr("\"code\":410"));
  // From the compaction point on, watching works.
  WatchRunner current(&fake, "102");
  EXPECT_TRUE(fake.WaitForWatchers(1));
  current.Stop();
  EXPECT_TRUE(current.Join().ok());
}

TEST(FakeListerWatcherTest, ScriptedFailuresAndInjectedEvents) {
  FakeListerWatcher fake;
  fake.FailNextWatch(absl::UnavailableError("refused"));
  StopSignal stop;
  EXPECT_EQ(fake.Watch(
                    {.resource_version = "100"}, [](WatchEvent) { return absl::OkStatus(); }, &stop)
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(fake.Watch(
                    {.resource_version = "x"}, [](WatchEvent) { return absl::OkStatus(); }, &stop)
                .code(),
            absl::StatusCode::kInvalidArgument);
  WatchRunner watch(&fake, "100", /*bookmarks=*/false);
  ASSERT_TRUE(fake.WaitForWatchers(1));
  fake.SendBookmark();  // not asked for: not sent
  fake.InjectEvent({WatchEventType::kModified, ListedObj("ghost")});
  fake.ExpireWatches();
  ASSERT_TRUE(fake.WaitForWatchers(1));
  fake.EndWatches(absl::UnavailableError("reset"));
  EXPECT_EQ(watch.Join().code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(watch.events().size(), 2);
  EXPECT_EQ(watch.events()[0], "MODIFIED ghost@");
  EXPECT_THAT(watch.events()[1], ::testing::StartsWith("ERROR"));
  EXPECT_TRUE(fake.Objects().empty());  // injection does not touch the state
}

TEST(FakeListerWatcherTest, WaitForIdleReportsWatchingOrTheNewestFailure) {
  FakeListerWatcher fake;
  EXPECT_EQ(fake.WaitForIdle(0, absl::Milliseconds(1)), std::nullopt);  // no call yet
  fake.FailNextList(absl::UnavailableError("down"));
  (void)fake.List({});
  std::optional<FakeListerWatcher::Idle> idle = fake.WaitForIdle(0);
  ASSERT_TRUE(idle.has_value());
  EXPECT_EQ(idle->kind, FakeListerWatcher::Idle::Kind::kFailed);
  EXPECT_EQ(idle->call, 1);
  EXPECT_EQ(fake.WaitForIdle(1, absl::Milliseconds(1)), std::nullopt);  // already handled
  WatchRunner watch(&fake, "100");
  idle = fake.WaitForIdle(1);
  ASSERT_TRUE(idle.has_value());
  EXPECT_EQ(idle->kind, FakeListerWatcher::Idle::Kind::kWatching);
  EXPECT_EQ(idle->call, 2);
  watch.Stop();
}

}  // namespace
}  // namespace flyover::kube
