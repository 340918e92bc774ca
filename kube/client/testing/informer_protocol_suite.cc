// Protocol suite, informer half: RestListerWatcher (kube/cache/rest_lister_watcher.h) and a
// SharedInformer over it against any ApiBackend. Instantiated with InformerProtocolTest.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/testing/recording_handler.h"
#include "kube/client/testing/informer_protocol_suite.h"

namespace flyover::kube::testing {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class InformerRun {
 public:
  explicit InformerRun(std::shared_ptr<RestListerWatcher> lw) {
    SharedInformerOptions options{.resource = "pods"};
    options.reflector.seed = 9;
    informer_ = std::make_unique<SharedInformer>(std::move(lw), options);
    registration_ = informer_->AddEventHandler(handler_);
    informer_->Start();
  }
  ~InformerRun() { informer_->Stop(); }
  SharedInformer& informer() { return *informer_; }
  RecordingHandler& handler() { return *handler_; }
  std::vector<std::string> TakeEvents() {
    std::vector<std::string> events = handler_->Strings();
    handler_->ClearEvents();
    return events;
  }

 private:
  std::shared_ptr<RecordingHandler> handler_ = std::make_shared<RecordingHandler>();
  std::unique_ptr<SharedInformer> informer_;
  HandlerRegistration registration_;
};

TEST_P(InformerProtocolTest, ListerWatcherListsInPagesAndWatchesFromTheListsVersion) {
  json last;
  for (const char* name : {"a", "b", "c", "d", "e"}) last = Put(name);
  std::vector<std::string> names;
  absl::StatusOr<std::string> rv =
      lw_->ListInto({}, [&](json item) { names.push_back(item["metadata"]["name"]); });
  ASSERT_TRUE(rv.ok()) << rv.status();
  EXPECT_THAT(names, ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_EQ(*rv, Rv(last));

  json f = Put("f");
  std::vector<std::string> events;
  StopSignal stop;
  absl::Status watched = lw_->Watch(
      {.resource_version = *rv, .timeout = absl::Seconds(10), .allow_bookmarks = false},
      [&](WatchEvent event) {
        events.push_back(absl::StrCat(WatchEventTypeName(event.type), " ",
                                      event.object["metadata"].value("name", ""), "@",
                                      event.object["metadata"].value("resourceVersion", "")));
        stop.Stop();
        return absl::OkStatus();
      },
      &stop);
  EXPECT_TRUE(watched.ok()) << watched;
  EXPECT_THAT(events, ElementsAre("ADDED f@" + Rv(f)));
}

TEST_P(InformerProtocolTest, ListerWatcherEndsAListWhoseTokenExpiredAsResourceExpired) {
  for (const char* name : {"a", "b", "c"}) Put(name);
  bool expired = false;
  absl::Status status = lw_->ListInto({}, [&](json) {
                              if (expired) return;
                              expired = true;  // after the first item: the first page's token
                              EXPECT_TRUE(backend_->ExpireContinueTokens().ok());
                            }).status();
  EXPECT_TRUE(IsResourceExpired(status)) << status;
}

TEST_P(InformerProtocolTest, ListerWatcherWatchFromACompactedVersionIsResourceExpired) {
  json a = Put("a");
  Put("b");
  ASSERT_TRUE(backend_->Compact().ok());
  StopSignal stop;
  absl::Status status = lw_->Watch({.resource_version = Rv(a), .timeout = absl::Seconds(10)},
                                   [](WatchEvent) { return absl::OkStatus(); }, &stop);
  EXPECT_TRUE(IsResourceExpired(status)) << status;
}

TEST_P(InformerProtocolTest, InformerSyncsThenFollowsChangesAcrossAServerRestart) {
  const json a = Put("a"), b = Put("b"), c = Put("c");
  InformerRun run(lw_);
  ASSERT_TRUE(run.informer().WaitForCacheSync(absl::Seconds(15)));
  ASSERT_TRUE(run.handler().WaitForState(expected_));
  EXPECT_THAT(run.TakeEvents(), UnorderedElementsAre("add* ns/a@" + Rv(a), "add* ns/b@" + Rv(b),
                                                     "add* ns/c@" + Rv(c)));

  const json a2 = Put("a", "2"), d = Put("d");
  const std::string b_gone = Remove("b");
  ASSERT_TRUE(run.handler().WaitForState(expected_));
  EXPECT_THAT(run.TakeEvents(), ElementsAre("update ns/a@" + Rv(a) + "->" + Rv(a2),
                                            "add ns/d@" + Rv(d), "delete ns/b@" + b_gone));

  ASSERT_TRUE(backend_->Restart().ok());
  const json c2 = Put("c", "2"), e = Put("e");
  ASSERT_TRUE(run.handler().WaitForState(expected_, absl::Seconds(20)));
  EXPECT_THAT(run.TakeEvents(),
              ElementsAre("update ns/c@" + Rv(c) + "->" + Rv(c2), "add ns/e@" + Rv(e)));
  EXPECT_THAT(run.handler().Violations(), IsEmpty());
  std::map<std::string, std::string> cached;
  for (const auto& [key, object] : run.informer().store().Snapshot()) {
    cached[key] = std::string(ResourceVersionOf(object->view()));
  }
  EXPECT_EQ(cached, expected_);
}

}  // namespace

void InformerProtocolTest::SetUp() {
  backend_ = GetParam().make();
  ASSERT_NE(backend_, nullptr) << "backend " << GetParam().name << " did not start";
  absl::StatusOr<std::unique_ptr<RestClient>> client =
      NewRestClient(RestConfig{.server = backend_->url()}, {.rate_limit = {.qps = 0}});
  ASSERT_TRUE(client.ok()) << client.status();
  client_ = *std::move(client);
  json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ns"}}}};
  ASSERT_TRUE(client_->Create(NamespacesResource(), "", ns).ok());
  lw_ = std::make_shared<RestListerWatcher>(
      client_.get(), PodsResource(),
      RestListerWatcherOptions{.namespace_ = "ns", .page_size = 2, .seed = 5});
}

json InformerProtocolTest::Put(const std::string& name, const std::string& version) {
  json pod = TestPod(name, "ns", {{"v", version}});
  absl::StatusOr<json> current = client_->Get(PodsResource(), "ns", name);
  absl::StatusOr<json> stored =
      current.ok() ? client_->Patch(PodsResource(), "ns", name,
                                    {{"metadata", {{"labels", {{"v", version}}}}}})
                   : client_->Create(PodsResource(), "ns", pod);
  EXPECT_TRUE(stored.ok()) << stored.status();
  if (!stored.ok()) return json();
  expected_["ns/" + name] = Rv(*stored);
  return *stored;
}

std::string InformerProtocolTest::Remove(const std::string& name) {
  // RestClient::Delete does not return the deleted object; as nothing else writes, the
  // list's version right after is the deletion's.
  EXPECT_TRUE(client_->Delete(PodsResource(), "ns", name).ok());
  expected_.erase("ns/" + name);
  absl::StatusOr<ObjectList> list = client_->ListPage(PodsResource(), "ns", {.limit = 1});
  EXPECT_TRUE(list.ok()) << list.status();
  return list.ok() ? list->resource_version : "";
}

}  // namespace flyover::kube::testing
