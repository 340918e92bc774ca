#include "kube/cache/shared_informer.h"

#include <memory>
#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/indexers.h"
#include "kube/cache/testing/fake_informer_driver.h"
#include "kube/cache/testing/fake_lister_watcher.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/cache/testing/objects.h"
#include "kube/cache/testing/recording_handler.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

json LabeledObj(const std::string& name, std::map<std::string, std::string> labels = {}) {
  return MakeObject({.namespace_ = "ns", .name = name, .labels = std::move(labels)});
}

class SharedInformerTest : public ::testing::Test {
 protected:
  SharedInformerTest() { options_.reflector.seed = 3; }
  ~SharedInformerTest() override {
    if (informer_ != nullptr) informer_->Stop();
  }

  SharedInformer& MakeInformer() {
    informer_ = std::make_unique<SharedInformer>(fake_, options_);
    return *informer_;
  }
  std::shared_ptr<RecordingHandler> AddHandler(absl::Duration resync = absl::ZeroDuration()) {
    auto handler = std::make_shared<RecordingHandler>();
    registrations_.push_back(informer_->AddEventHandler(handler, resync));
    return handler;
  }
  // Settles the fake, then waits until every handler has been told.
  void Settle() {
    ASSERT_TRUE(driver_.Settle());
    ASSERT_TRUE(informer_->WaitForHandlersIdle(absl::Seconds(10)));
  }
  std::map<std::string, std::string> ServerState() {
    std::map<std::string, std::string> state;
    for (const auto& [key, object] : fake_->Objects()) {
      state[key] = object["metadata"]["resourceVersion"];
    }
    return state;
  }
  std::map<std::string, std::string> StoreState() {
    std::map<std::string, std::string> state;
    for (const auto& [key, object] : informer_->store().Snapshot()) {
      state[key] = std::string(ResourceVersionOf(object->view()));
    }
    return state;
  }

  log::CapturingSink log_sink_;
  log::ScopedSink scoped_sink_{&log_sink_};
  FakeClock clock_;
  std::shared_ptr<FakeListerWatcher> fake_ = std::make_shared<FakeListerWatcher>();
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  SharedInformerOptions options_{.resource = "pods", .clock = &clock_, .registry = registry_};
  FakeInformerDriver driver_{fake_.get(), &clock_};
  std::unique_ptr<SharedInformer> informer_;
  std::vector<HandlerRegistration> registrations_;
};

TEST_F(SharedInformerTest, DeliversTheInitialListThenEachChangeInOrder) {
  ASSERT_TRUE(fake_->Create(LabeledObj("a")).ok());  // 101
  ASSERT_TRUE(fake_->Create(LabeledObj("b")).ok());  // 102
  MakeInformer();
  auto handler = AddHandler();
  EXPECT_FALSE(informer_->HasSynced());
  informer_->Start();
  ASSERT_TRUE(informer_->WaitForCacheSync(absl::Seconds(10)));
  Settle();
  EXPECT_TRUE(registrations_[0].HasSynced());
  EXPECT_THAT(handler->Strings(), UnorderedElementsAre("add* ns/a@101", "add* ns/b@102"));
  handler->ClearEvents();

  ASSERT_TRUE(fake_->Update(LabeledObj("a")).ok());  // 103
  ASSERT_TRUE(fake_->Delete("ns/b").ok());    // 104
  ASSERT_TRUE(fake_->Create(LabeledObj("c")).ok());  // 105
  Settle();
  EXPECT_THAT(handler->Strings(),
              ElementsAre("update ns/a@101->103", "delete ns/b@104", "add ns/c@105"));
  EXPECT_EQ(StoreState(), ServerState());
  EXPECT_THAT(handler->Violations(), IsEmpty());
  EXPECT_EQ(informer_->LastSyncResourceVersion(), "105");
  EXPECT_EQ(MetricValue(*registry_, "flyover_informer_objects", {{"resource", "pods"}}), 2);
}

TEST_F(SharedInformerTest, ARelistNotifiesOnlyWhatChanged) {
  for (const char* name : {"a", "b", "c"}) ASSERT_TRUE(fake_->Create(LabeledObj(name)).ok());
  MakeInformer();
  auto handler = AddHandler();
  informer_->Start();
  Settle();
  handler->ClearEvents();
  fake_->EndWatches(absl::UnavailableError("reset"));
  ASSERT_TRUE(fake_->Update(LabeledObj("a")).ok());  // 104
  ASSERT_TRUE(fake_->Delete("ns/b").ok());    // 105
  ASSERT_TRUE(fake_->Create(LabeledObj("d")).ok());  // 106
  fake_->Compact();
  Settle();
  EXPECT_THAT(handler->Strings(),
              UnorderedElementsAre("update ns/a@101->104", "delete? ns/b@102", "add ns/d@106"));
  EXPECT_EQ(StoreState(), ServerState());
  EXPECT_THAT(handler->Violations(), IsEmpty());
  EXPECT_EQ(MetricValue(*registry_, "flyover_reflector_relists_total", {{"resource", "pods"}}), 1);
}

TEST_F(SharedInformerTest, ANewIncarnationIsADeleteAndAnAdd) {
  ASSERT_TRUE(fake_->Create(LabeledObj("a")).ok());  // 101, uid-1
  MakeInformer();
  auto handler = AddHandler();
  informer_->Start();
  Settle();
  handler->ClearEvents();
  // Across a relist.
  fake_->EndWatches(absl::UnavailableError("reset"));
  ASSERT_TRUE(fake_->Delete("ns/a").ok());    // 102
  ASSERT_TRUE(fake_->Create(LabeledObj("a")).ok());  // 103, uid-2
  fake_->Compact();
  Settle();
  EXPECT_THAT(handler->Strings(), ElementsAre("delete? ns/a@101", "add ns/a@103"));
  // Within a watch: an ADDED for a known key with another uid.
  handler->ClearEvents();
  json other = LabeledObj("a");
  other["metadata"]["uid"] = "uid-99";
  other["metadata"]["resourceVersion"] = "200";
  fake_->InjectEvent({WatchEventType::kAdded, other});
  Settle();
  EXPECT_THAT(handler->Strings(), ElementsAre("delete? ns/a@103", "add ns/a@200"));
  EXPECT_THAT(handler->Violations(), IsEmpty());
}

TEST_F(SharedInformerTest, ALateHandlerFirstGetsTheCacheAsInitialAdds) {
  ASSERT_TRUE(fake_->Create(LabeledObj("a")).ok());
  MakeInformer();
  informer_->Start();
  Settle();
  auto late = AddHandler();
  Settle();
  EXPECT_THAT(late->Strings(), ElementsAre("add* ns/a@101"));
  EXPECT_TRUE(registrations_[0].HasSynced());
  ASSERT_TRUE(fake_->Create(LabeledObj("b")).ok());
  Settle();
  EXPECT_THAT(late->Strings(), ElementsAre("add* ns/a@101", "add ns/b@102"));
}

TEST_F(SharedInformerTest, HandlersWithAResyncPeriodGetEveryObjectAgainEachPeriod) {
  ASSERT_TRUE(fake_->Create(LabeledObj("a")).ok());
  ASSERT_TRUE(fake_->Create(LabeledObj("b")).ok());
  MakeInformer();
  auto resyncing = AddHandler(absl::Seconds(30));
  auto plain = AddHandler();
  informer_->Start();
  Settle();
  resyncing->ClearEvents();
  plain->ClearEvents();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));  // the resync timer
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(resyncing->WaitForEvents(2));
  ASSERT_TRUE(informer_->WaitForHandlersIdle(absl::Seconds(10)));
  EXPECT_THAT(resyncing->Strings(),
              UnorderedElementsAre("update ns/a@101->101", "update ns/b@102->102"));
  EXPECT_THAT(plain->Strings(), IsEmpty());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(resyncing->WaitForEvents(4));
  EXPECT_THAT(resyncing->Violations(), IsEmpty());
}

TEST_F(SharedInformerTest, RemovedHandlersHearNothingMore) {
  MakeInformer();
  auto kept = AddHandler();
  auto removed = AddHandler();
  informer_->Start();
  Settle();
  informer_->RemoveEventHandler(registrations_[1]);
  ASSERT_TRUE(fake_->Create(LabeledObj("a")).ok());
  Settle();
  EXPECT_THAT(kept->Strings(), ElementsAre("add ns/a@101"));
  EXPECT_THAT(removed->Strings(), IsEmpty());
}

TEST_F(SharedInformerTest, IndexesAndTransformsWhatItCaches) {
  options_.indexers = {{kControllerUidIndex, IndexByControllerUid}};
  options_.transform = StripManagedFields;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(fake_->Create(MakeWorkerPod({.index = i})).ok());
  ASSERT_TRUE(fake_->Create(LabeledObj("other")).ok());
  MakeInformer();
  informer_->Start();
  Settle();
  const ObjectPtr pod = informer_->store().Get("research/llama-70b-sft-worker-1");
  ASSERT_NE(pod, nullptr);
  EXPECT_FALSE((*pod)["metadata"].contains("managedFields"));
  const std::string owner(pod->view()["metadata"]["ownerReferences"][0]["uid"].string_value());
  EXPECT_EQ(informer_->store().ByIndex(kControllerUidIndex, owner)->size(), 3);
  EXPECT_EQ(informer_->store().ByIndex(kNamespaceIndex, "ns")->size(), 1);
  ASSERT_TRUE(
      informer_->AddIndexers({{"job", IndexByLabel("training.flyover.dev/job-name")}}).ok());
  EXPECT_EQ(informer_->store().ByIndex("job", "llama-70b-sft")->size(), 3);
}

TEST_F(SharedInformerTest, RepeatedEventsAreSilentEvenWithOpaqueVersions) {
  fake_->QueueListResult(
      {{MakeObject({.namespace_ = "ns", .name = "a", .uid = "u", .resource_version = "x1"})},
       "100"});
  MakeInformer();
  auto handler = AddHandler();
  informer_->Start();
  Settle();
  fake_->InjectEvent(
      {WatchEventType::kModified,
       MakeObject({.namespace_ = "ns", .name = "a", .uid = "u", .resource_version = "x1"})});
  fake_->InjectEvent(
      {WatchEventType::kModified,
       MakeObject({.namespace_ = "ns", .name = "a", .uid = "u", .resource_version = "x2"})});
  Settle();
  EXPECT_THAT(handler->Strings(), ElementsAre("add* ns/a@x1", "update ns/a@x1->x2"));
}

TEST_F(SharedInformerTest, CacheSyncTimesOutWhileListsFail) {
  fake_->FailNextList(absl::UnavailableError("down"), 1000);
  MakeInformer();
  informer_->Start();
  EXPECT_FALSE(informer_->WaitForCacheSync(absl::Milliseconds(10)));
  EXPECT_FALSE(informer_->HasSynced());
}

TEST_F(SharedInformerTest, StopIsIdempotentAndEndsTheWatch) {
  MakeInformer();
  AddHandler();
  informer_->Start();
  informer_->Start();
  Settle();
  informer_->Stop();
  informer_->Stop();
  EXPECT_EQ(fake_->active_watches(), 0);
  informer_->Start();  // no restart
  EXPECT_EQ(fake_->CountCalls(FakeListerWatcher::Call::Kind::kList), 1);
}

}  // namespace
}  // namespace flyover::kube
