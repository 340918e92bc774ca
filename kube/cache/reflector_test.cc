#include "kube/cache/reflector.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/fake_clock.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/fake_informer_driver.h"
#include "kube/cache/testing/fake_lister_watcher.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Kind = FakeListerWatcher::Call::Kind;

std::string Describe(const PackedJson& object) {
  return absl::StrCat(*ObjectKey(object.view()), "@", ResourceVersionOf(object.view()));
}

// Records what the reflector hands over, one line per call.
class RecordingSink final : public ReflectorSink {
 public:
  void Replace(std::vector<ObjectPtr> objects, const std::string& rv) override {
    std::vector<std::string> items;
    for (const ObjectPtr& o : objects) items.push_back(Describe(*o));
    std::sort(items.begin(), items.end());
    absl::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat("replace@", rv, " [", absl::StrJoin(items, " "), "]"));
  }
  void Apply(WatchEventType type, ObjectPtr object) override {
    absl::MutexLock lock(&mu_);
    log_.push_back(absl::StrCat(WatchEventTypeName(type), " ", Describe(*object)));
  }
  std::vector<std::string> TakeLog() {
    absl::MutexLock lock(&mu_);
    return std::move(log_);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> log_ ABSL_GUARDED_BY(mu_);
};

json Obj(const std::string& name) { return MakeObject({.namespace_ = "ns", .name = name}); }

class ReflectorTest : public ::testing::Test {
 protected:
  ~ReflectorTest() override { StopReflector(); }

  void Start(ReflectorOptions options = {}) {
    options.seed = 1;
    reflector_ =
        std::make_unique<Reflector>("pods", &fake_, &sink_, options, &clock_, nullptr, &metrics_);
    thread_ = std::thread([this] { reflector_->Run(&stop_); });
  }
  void StopReflector() {
    stop_.Stop();
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> Calls() {
    std::vector<std::string> out;
    for (const FakeListerWatcher::Call& c : fake_.calls()) {
      out.push_back(absl::StrCat(c.kind == Kind::kList ? "list " : "watch ", c.resource_version,
                                 c.finished && !c.result.ok() ? " failed" : ""));
    }
    return out;
  }
  double Metric(const std::string& name, std::map<std::string, std::string> labels = {}) {
    labels.emplace("resource", "pods");
    return MetricValue(*registry_, name, labels).value_or(-1);
  }

  log::CapturingSink log_sink_;
  log::ScopedSink scoped_sink_{&log_sink_};
  FakeClock clock_;
  FakeListerWatcher fake_;
  RecordingSink sink_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  InformerMetrics metrics_{registry_, "pods"};
  FakeInformerDriver driver_{&fake_, &clock_};
  StopSignal stop_;
  std::unique_ptr<Reflector> reflector_;
  std::thread thread_;
};

TEST_F(ReflectorTest, MetricsExistAtZeroBeforeAnything) {
  for (const char* reason : {"closed", "error", "expired", "too_short"}) {
    EXPECT_EQ(Metric("flyover_reflector_watch_restarts_total", {{"reason", reason}}), 0);
  }
  for (const char* type : {"added", "modified", "deleted", "bookmark", "error"}) {
    EXPECT_EQ(Metric("flyover_reflector_watch_events_total", {{"type", type}}), 0);
  }
  EXPECT_EQ(Metric("flyover_reflector_lists_total", {{"result", "success"}}), 0);
  EXPECT_EQ(Metric("flyover_reflector_lists_total", {{"result", "error"}}), 0);
  EXPECT_EQ(Metric("flyover_reflector_relists_total"), 0);
  EXPECT_EQ(Metric("flyover_reflector_watches_total"), 0);
  EXPECT_EQ(Metric("flyover_reflector_stale_events_total"), 0);
  EXPECT_EQ(Metric("flyover_informer_objects"), 0);
}

TEST_F(ReflectorTest, ListsThenWatchesFromTheListsResourceVersion) {
  ASSERT_TRUE(fake_.Create(Obj("a")).ok());  // rv 101
  ASSERT_TRUE(fake_.Create(Obj("b")).ok());  // rv 102
  Start();
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(sink_.TakeLog(), ElementsAre("replace@102 [ns/a@101 ns/b@102]"));
  ASSERT_TRUE(fake_.Create(Obj("c")).ok());
  ASSERT_TRUE(fake_.Update(Obj("a")).ok());
  ASSERT_TRUE(fake_.Delete("ns/b").ok());
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(sink_.TakeLog(),
              ElementsAre("ADDED ns/c@103", "MODIFIED ns/a@104", "DELETED ns/b@105"));
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 102"));
  const FakeListerWatcher::Call watch = fake_.calls()[1];
  EXPECT_GE(watch.timeout, absl::Minutes(5));
  EXPECT_LT(watch.timeout, absl::Minutes(10));
  EXPECT_TRUE(watch.allow_bookmarks);
  EXPECT_EQ(reflector_->LastSyncResourceVersion(), "105");
  EXPECT_EQ(Metric("flyover_reflector_lists_total", {{"result", "success"}}), 1);
  EXPECT_EQ(Metric("flyover_reflector_watches_total"), 1);
  EXPECT_EQ(Metric("flyover_reflector_watch_events_total", {{"type", "added"}}), 1);
  EXPECT_EQ(Metric("flyover_reflector_watch_events_total", {{"type", "deleted"}}), 1);
}

TEST_F(ReflectorTest, ResumesFromTheLastSeenVersionAfterAnErrorWithoutRelisting) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  ASSERT_TRUE(fake_.Create(Obj("a")).ok());  // 101
  ASSERT_TRUE(driver_.Settle());
  fake_.EndWatches(absl::UnavailableError("connection reset"));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));  // backing off, not yet reconnected
  EXPECT_EQ(fake_.CountCalls(Kind::kWatch), 1);
  ASSERT_TRUE(fake_.Create(Obj("b")).ok());  // 102, while disconnected
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(sink_.TakeLog(), ElementsAre("replace@100 []", "ADDED ns/a@101", "ADDED ns/b@102"));
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 100 failed", "watch 101"));
  EXPECT_EQ(Metric("flyover_reflector_watch_restarts_total", {{"reason", "error"}}), 1);
  EXPECT_EQ(Metric("flyover_reflector_relists_total"), 0);
}

TEST_F(ReflectorTest, ReconnectsAtOnceWhenTheServerEndsTheWatch) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  ASSERT_TRUE(fake_.Create(Obj("a")).ok());
  ASSERT_TRUE(driver_.Settle());
  driver_.CloseWatches();
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 100", "watch 101"));
  EXPECT_EQ(clock_.num_waiters(), 0);
  EXPECT_EQ(Metric("flyover_reflector_watch_restarts_total", {{"reason", "closed"}}), 1);
}

TEST_F(ReflectorTest, AWatchThatEndsAtOnceWithoutEventsBacksOff) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  fake_.EndWatches(absl::OkStatus());  // no time passed, no events
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(fake_.CountCalls(Kind::kWatch), 1);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(fake_.WaitForWatchers(1));
  EXPECT_EQ(fake_.CountCalls(Kind::kWatch), 2);
  EXPECT_EQ(Metric("flyover_reflector_watch_restarts_total", {{"reason", "too_short"}}), 1);
}

TEST_F(ReflectorTest, RelistsNotOlderThanTheLastVersionWhenTheWatchExpires) {
  ASSERT_TRUE(fake_.Create(Obj("a")).ok());  // 101
  Start();
  ASSERT_TRUE(driver_.Settle());
  fake_.EndWatches(absl::UnavailableError("reset"));
  ASSERT_TRUE(fake_.Create(Obj("b")).ok());  // 102
  ASSERT_TRUE(fake_.Update(Obj("a")).ok());  // 103
  fake_.Compact();                           // the resume point 101 is gone
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 101 failed", "watch 101 failed", "list 101",
                                   "watch 103"));
  EXPECT_THAT(sink_.TakeLog(),
              ElementsAre("replace@101 [ns/a@101]", "replace@103 [ns/a@103 ns/b@102]"));
  EXPECT_EQ(Metric("flyover_reflector_relists_total"), 1);
  EXPECT_EQ(Metric("flyover_reflector_watch_restarts_total", {{"reason", "expired"}}), 1);
}

TEST_F(ReflectorTest, RelistsOnAnExpiredErrorEvent) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  ASSERT_TRUE(fake_.Create(Obj("a")).ok());  // 101
  fake_.ExpireWatches();
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 100 failed", "list 101", "watch 101"));
  EXPECT_THAT(sink_.TakeLog(),
              ElementsAre("replace@100 []", "ADDED ns/a@101", "replace@101 [ns/a@101]"));
  EXPECT_EQ(Metric("flyover_reflector_watch_events_total", {{"type", "error"}}), 1);
}

TEST_F(ReflectorTest, AnExpiredListFallsBackToTheNewestState) {
  fake_.FailNextList(ResourceExpiredError("too old"));
  Start();
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0 failed", "list ", "watch 100"));
  EXPECT_EQ(Metric("flyover_reflector_lists_total", {{"result", "error"}}), 1);
}

TEST_F(ReflectorTest, ListErrorsBackOffAndRetry) {
  fake_.FailNextList(absl::UnavailableError("apiserver down"), 2);
  Start();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(fake_.CountCalls(Kind::kList), 1);
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0 failed", "list 0 failed", "list 0", "watch 100"));
  EXPECT_EQ(Metric("flyover_reflector_lists_total", {{"result", "error"}}), 2);
  EXPECT_EQ(Metric("flyover_reflector_lists_total", {{"result", "success"}}), 1);
}

TEST_F(ReflectorTest, BookmarksMoveTheResumeVersionWithoutTouchingTheSink) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  fake_.InjectEvent({WatchEventType::kBookmark, {{"metadata", {{"resourceVersion", "150"}}}}});
  ASSERT_TRUE(driver_.Settle());
  EXPECT_EQ(reflector_->LastSyncResourceVersion(), "150");
  fake_.EndWatches(absl::UnavailableError("reset"));
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 100 failed", "watch 150"));
  EXPECT_THAT(sink_.TakeLog(), ElementsAre("replace@100 []"));
}

TEST_F(ReflectorTest, DropsDuplicateAndStaleEvents) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  const json a101 = *fake_.Create(Obj("a"));
  const json a102 = *fake_.Update(Obj("a"));
  ASSERT_TRUE(driver_.Settle());
  fake_.InjectEvent({WatchEventType::kModified, a102});  // duplicate
  fake_.InjectEvent({WatchEventType::kModified, a101});  // older version
  fake_.InjectEvent({WatchEventType::kDeleted, a101});   // a stale delete must not drop "a"
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(sink_.TakeLog(),
              ElementsAre("replace@100 []", "ADDED ns/a@101", "MODIFIED ns/a@102"));
  EXPECT_EQ(Metric("flyover_reflector_stale_events_total"), 3);
  EXPECT_EQ(reflector_->LastSyncResourceVersion(), "102");
}

TEST_F(ReflectorTest, SkipsAnObjectWithoutANameButMovesOn) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  fake_.InjectEvent({WatchEventType::kAdded, {{"metadata", {{"resourceVersion", "120"}}}}});
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(sink_.TakeLog(), ElementsAre("replace@100 []"));
  EXPECT_EQ(reflector_->LastSyncResourceVersion(), "120");
  EXPECT_EQ(fake_.CountCalls(Kind::kWatch), 1);
  EXPECT_THAT(log_sink_.messages(), ::testing::Contains("watch event skipped"));
}

TEST_F(ReflectorTest, AnEventThatIsNotAnObjectEndsTheWatchAndItResumes) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  ASSERT_TRUE(fake_.Create(Obj("a")).ok());
  ASSERT_TRUE(driver_.Settle());
  fake_.InjectEvent({WatchEventType::kModified, "garbage"});
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 100 failed", "watch 101"));
  EXPECT_EQ(fake_.calls()[1].result.code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(ReflectorTest, ListItemsWithoutNamesAreSkipped) {
  fake_.QueueListResult({{Obj("a"), json{{"metadata", json::object()}}, json("x")}, "7"});
  Start();
  ASSERT_TRUE(driver_.Settle());
  EXPECT_THAT(sink_.TakeLog(), ElementsAre("replace@7 [ns/a@]"));
}

// Lists a page at a time through ListInto; the first list fails on its second page the way an
// expired continue token does.
class PagingListerWatcher final : public ListerWatcher {
 public:
  explicit PagingListerWatcher(FakeListerWatcher* fake) : fake_(fake) {}
  absl::StatusOr<ListResult> List(const ListOptions&) override {
    return absl::InternalError("the reflector must list through ListInto");
  }
  absl::StatusOr<std::string> ListInto(const ListOptions& options, ListItemSink sink) override {
    absl::StatusOr<ListResult> result = fake_->List(options);
    if (!result.ok()) return result.status();
    for (size_t i = 0; i < result->items.size(); ++i) {
      if (i == 1 && !failed_once_) {
        failed_once_ = true;
        return ResourceExpiredError("continue token expired");
      }
      sink(std::move(result->items[i]));
    }
    return result->resource_version;
  }
  absl::Status Watch(const WatchOptions& options, WatchEventSink sink, StopSignal* stop) override {
    return fake_->Watch(options, sink, stop);
  }

 private:
  FakeListerWatcher* const fake_;
  bool failed_once_ = false;
};

TEST_F(ReflectorTest, ListsThroughListIntoAndDropsAPartialList) {
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(fake_.Create(Obj(name)).ok());
  PagingListerWatcher paging(&fake_);
  reflector_ = std::make_unique<Reflector>("pods", &paging, &sink_, ReflectorOptions{.seed = 1},
                                           &clock_, nullptr, &metrics_);
  thread_ = std::thread([this] { reflector_->Run(&stop_); });
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));  // backing off after the failed page
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(fake_.WaitForWatchers(1));
  EXPECT_THAT(sink_.TakeLog(), ElementsAre("replace@103 [ns/a@101 ns/b@102 ns/c@103]"));
  EXPECT_THAT(Calls(), ElementsAre("list 0", "list ", "watch 103"));  // "" after the 410
  StopReflector();
}

TEST_F(ReflectorTest, StopEndsABackoffWait) {
  fake_.FailNextList(absl::UnavailableError("down"));
  Start();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  StopReflector();  // returns without the clock moving
  EXPECT_EQ(fake_.CountCalls(Kind::kList), 1);
}

TEST_F(ReflectorTest, StopEndsAWatch) {
  Start();
  ASSERT_TRUE(driver_.Settle());
  StopReflector();
  EXPECT_EQ(fake_.active_watches(), 0);
  EXPECT_THAT(Calls(), ElementsAre("list 0", "watch 100"));
}

}  // namespace
}  // namespace flyover::kube
