// End to end: a SharedInformer fed by RestListerWatcher (kube/cache/rest_lister_watcher.h)
// over a real RestClient and HTTP, against the scripted API server on 127.0.0.1. The
// informer must converge to the server's state across a server-side watch close, a gap with
// changes, and a compaction that forces a relist, telling its handler about every change
// exactly once and in order. The reflector runs on a FakeClock, so its backoff waits end
// only when the test advances time.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "common/log.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/testing/recording_handler.h"
#include "kube/client/testing/scripted_api_server.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kPodsPath[] = "/api/v1/namespaces/ns/pods";

json InformerPod(const std::string& name, const std::string& version = "1") {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "ns"}, {"labels", {{"v", version}}}}},
          {"spec", {{"containers", json::array()}}}};
}

std::string ResourceVersionOf(const json& object) { return object["metadata"]["resourceVersion"]; }

class RestInformerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(PodsResource());
    ASSERT_TRUE(server_.Start().ok());
    RestClientOptions options;
    options.rate_limit.qps = 0;
    absl::StatusOr<std::unique_ptr<RestClient>> client =
        NewRestClient(RestConfig{.server = server_.url()}, options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    lw_ = std::make_shared<RestListerWatcher>(
        client_.get(), PodsResource(),
        RestListerWatcherOptions{.namespace_ = "ns", .page_size = 2, .seed = 5});
  }
  void TearDown() override {
    if (informer_ != nullptr) informer_->Stop();
  }

  void StartInformer() {
    SharedInformerOptions options{.resource = "pods", .clock = &clock_};
    options.reflector.min_watch_duration = absl::ZeroDuration();
    options.reflector.seed = 9;
    informer_ = std::make_unique<SharedInformer>(lw_, options);
    registration_ = informer_->AddEventHandler(handler_);
    informer_->Start();
  }

  // Writes as another client would, and remembers the state the informer must reach.
  json Put(const json& pod) {
    json stored = server_.Upsert(PodsResource(), pod);
    expected_["ns/" + stored["metadata"]["name"].get<std::string>()] = ResourceVersionOf(stored);
    return stored;
  }
  // Returns the deletion's resourceVersion.
  std::string Remove(const std::string& name) {
    server_.Remove(PodsResource(), "ns", name);
    expected_.erase("ns/" + name);
    return std::to_string(server_.resource_version());
  }

  // Ends the informer's watch and makes its next one fail, so that it backs off on the clock.
  void OpenGap() {
    server_.InjectResponse("GET", kPodsPath, 503,
                           R"({"kind":"Status","code":503,"reason":"ServiceUnavailable"})");
    server_.CloseWatches();
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  }
  void EndBackoff() { clock_.Advance(absl::Minutes(1)); }  // past any backoff (30 s max)

  std::vector<std::string> TakeEvents() {
    std::vector<std::string> events = handler_->Strings();
    handler_->ClearEvents();
    return events;
  }
  std::vector<testing::RecordedRequest> Requests(bool watches) {
    std::vector<testing::RecordedRequest> out;
    for (testing::RecordedRequest& r : server_.requests("GET", kPodsPath)) {
      if ((r.Param("watch") == "true") == watches) out.push_back(std::move(r));
    }
    return out;
  }
  std::map<std::string, std::string> StoreState() {
    std::map<std::string, std::string> state;
    for (const auto& [key, object] : informer_->store().Snapshot()) {
      state[key] = std::string(ResourceVersionOf(object->view()));
    }
    return state;
  }

  log::CapturingSink log_sink_;  // declared first: outlives the informer's threads
  log::ScopedSink scoped_sink_{&log_sink_};
  testing::ScriptedApiServer server_;
  std::unique_ptr<RestClient> client_;
  std::shared_ptr<RestListerWatcher> lw_;
  FakeClock clock_;
  std::shared_ptr<RecordingHandler> handler_ = std::make_shared<RecordingHandler>();
  std::unique_ptr<SharedInformer> informer_;
  HandlerRegistration registration_;
  std::map<std::string, std::string> expected_;
};

TEST_F(RestInformerE2eTest, ConvergesAcrossWatchClosesGapsAndExpiry) {
  const json a = Put(InformerPod("a")), b = Put(InformerPod("b")), c = Put(InformerPod("c"));
  StartInformer();
  ASSERT_TRUE(informer_->WaitForCacheSync(absl::Seconds(10)));
  ASSERT_TRUE(handler_->WaitForState(expected_));
  EXPECT_THAT(TakeEvents(), UnorderedElementsAre("add* ns/a@" + ResourceVersionOf(a), "add* ns/b@" + ResourceVersionOf(b),
                                                 "add* ns/c@" + ResourceVersionOf(c)));
  ASSERT_EQ(Requests(false).size(), 2u);  // pages of two
  EXPECT_EQ(Requests(false)[0].Param("limit"), "2");
  EXPECT_FALSE(Requests(false)[1].Param("continue").empty());

  // Live changes arrive in order.
  ASSERT_TRUE(server_.WaitForWatchRequests(1));
  const json a2 = Put(InformerPod("a", "2")), d = Put(InformerPod("d"));
  ASSERT_TRUE(handler_->WaitForState(expected_));
  EXPECT_THAT(TakeEvents(), ElementsAre("update ns/a@" + ResourceVersionOf(a) + "->" + ResourceVersionOf(a2), "add ns/d@" + ResourceVersionOf(d)));

  // The server ends the watch (its timeoutSeconds): the informer resumes where it was.
  server_.CloseWatches();
  ASSERT_TRUE(server_.WaitForWatchRequests(2));
  EXPECT_EQ(Requests(true).back().Param("resourceVersion"), ResourceVersionOf(d));
  const json b2 = Put(InformerPod("b", "2"));
  ASSERT_TRUE(handler_->WaitForState(expected_));
  EXPECT_THAT(TakeEvents(), ElementsAre("update ns/b@" + ResourceVersionOf(b) + "->" + ResourceVersionOf(b2)));

  // A gap: objects change, appear and vanish while the informer backs off.
  OpenGap();
  const json c2 = Put(InformerPod("c", "2"));
  const std::string d_gone = Remove("d");
  const json e = Put(InformerPod("e")), f = Put(InformerPod("f"));
  const std::string f_gone = Remove("f");
  EndBackoff();
  ASSERT_TRUE(handler_->WaitForEvents(5));
  EXPECT_THAT(TakeEvents(), ElementsAre("update ns/c@" + ResourceVersionOf(c) + "->" + ResourceVersionOf(c2), "delete ns/d@" + d_gone,
                                        "add ns/e@" + ResourceVersionOf(e), "add ns/f@" + ResourceVersionOf(f),
                                        "delete ns/f@" + f_gone));

  // A gap the server's history no longer covers: 410, then a relist that reports the
  // difference (h came and went unseen).
  OpenGap();
  const json a3 = Put(InformerPod("a", "3"));
  Remove("b");
  const json g = Put(InformerPod("g"));
  Put(InformerPod("h"));
  Remove("h");
  server_.Compact();
  EndBackoff();                              // the watch gets an ERROR event with a 410
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));  // and backs off before relisting
  EndBackoff();
  ASSERT_TRUE(handler_->WaitForState(expected_));
  EXPECT_THAT(TakeEvents(), UnorderedElementsAre("update ns/a@" + ResourceVersionOf(a2) + "->" + ResourceVersionOf(a3),
                                                 "delete? ns/b@" + ResourceVersionOf(b2), "add ns/g@" + ResourceVersionOf(g)));
  EXPECT_THAT(log_sink_.messages(), Contains("watch expired; relisting"));
  EXPECT_EQ(Requests(false).size(), 4u);  // the relist paged too: a, c, e, g

  // And watches on from the relisted version.
  const json e2 = Put(InformerPod("e", "2"));
  ASSERT_TRUE(handler_->WaitForState(expected_));
  EXPECT_THAT(TakeEvents(), ElementsAre("update ns/e@" + ResourceVersionOf(e) + "->" + ResourceVersionOf(e2)));
  EXPECT_THAT(handler_->Violations(), IsEmpty());
  EXPECT_EQ(StoreState(), expected_);
  for (const auto& [key, rv] : expected_) {
    EXPECT_EQ(ResourceVersionOf(*server_.Object(PodsResource(), "ns", key.substr(3))), rv);
  }
}

TEST_F(RestInformerE2eTest, AContinueTokenExpiringMidListIsResourceExpired) {
  for (const char* name : {"a", "b", "c"}) Put(InformerPod(name));
  absl::Status status =
      lw_->ListInto({}, [&](json) { server_.ExpireContinueTokens(); }).status();
  EXPECT_TRUE(IsResourceExpired(status)) << status;
}

TEST_F(RestInformerE2eTest, AStoppedServerIsUnavailable) {
  server_.Stop();
  EXPECT_EQ(lw_->List({}).status().code(), absl::StatusCode::kUnavailable);
  StopSignal stop;
  EXPECT_EQ(lw_->Watch({}, [](WatchEvent) { return absl::OkStatus(); }, &stop).code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(RestInformerE2eTest, StoppingEndsALiveWatchWithOk) {
  StopSignal stop;
  absl::Status status = absl::UnknownError("not run");
  std::thread watcher([&] {
    status = lw_->Watch({.resource_version = "0"}, [](WatchEvent) { return absl::OkStatus(); }, &stop);
  });
  ASSERT_TRUE(server_.WaitForWatchRequests(1));
  stop.Stop();
  watcher.join();
  EXPECT_TRUE(status.ok()) << status;
}

}  // namespace
}  // namespace flyover::kube
