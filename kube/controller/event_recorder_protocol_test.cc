// The event recorder over real HTTP: SinkEventRecorder + RestEventSink against the
// scripted API server on 127.0.0.1.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/controller/event_recorder.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::SizeIs;
using testing::ScriptedApiServer;

const ObjectReference kJob{.api_version = "training.flyover.dev/v1alpha1",
                           .kind = "PostTrainingJob",
                           .namespace_ = "research",
                           .name = "llama",
                           .uid = "uid-1"};

class EventRecorderProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(EventsResource());
    ASSERT_TRUE(server_.Start().ok());
    RestConfig config;
    config.server = server_.url();
    auto client = NewRestClient(config, {.rate_limit = {.qps = 0}, .clock = &clock_});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    sink_ = std::make_unique<RestEventSink>(client_.get());
    auto recorder = SinkEventRecorder::Create(
        sink_.get(), {.component = "flyover-operator", .host = "node-1", .clock = &clock_});
    ASSERT_TRUE(recorder.ok()) << recorder.status();
    recorder_ = *std::move(recorder);
  }

  std::vector<json> Events(const std::string& ns) {
    absl::StatusOr<ObjectList> list = client_->List(EventsResource(), ns);
    EXPECT_TRUE(list.ok()) << list.status();
    return list.ok() ? list->items : std::vector<json>{};
  }

  FakeClock clock_;
  ScriptedApiServer server_;
  std::unique_ptr<RestClient> client_;
  std::unique_ptr<RestEventSink> sink_;
  std::unique_ptr<SinkEventRecorder> recorder_;
};

TEST_F(EventRecorderProtocolTest, IdenticalEventsArePatchedIntoOneWithACount) {
  for (int i = 0; i < 3; ++i) {
    recorder_->Event(kJob, EventType::kNormal, "Checkpointed", "step 500 committed");
    clock_.Advance(absl::Seconds(10));
  }
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  std::vector<json> events = Events("research");
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0]["count"], 3);
  EXPECT_EQ(events[0]["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(events[0]["lastTimestamp"], "2026-01-01T00:00:20Z");
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "PostTrainingJob");
  EXPECT_EQ(events[0]["source"]["component"], "flyover-operator");

  EXPECT_THAT(server_.requests("POST", "/api/v1/namespaces/research/events"), SizeIs(1));
  auto patches = server_.requests("PATCH", "/api/v1/namespaces/research/events/");
  ASSERT_THAT(patches, SizeIs(2));
  EXPECT_EQ(patches[0].Header("Content-Type"), "application/merge-patch+json");
  EXPECT_EQ(json::parse(patches[1].body)["count"], 3);
}

TEST_F(EventRecorderProtocolTest, TheSpamFilterLetsTheBurstThroughThenOneEveryFiveMinutes) {
  for (int i = 0; i < 30; ++i) {
    recorder_->Event(kJob, EventType::kWarning, "RankFailed", absl::StrCat("rank ", i));
  }
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  EXPECT_THAT(Events("research"), SizeIs(25));
  EXPECT_EQ(recorder_->stats().spam_filtered, 5);

  clock_.Advance(absl::Minutes(5));
  recorder_->Event(kJob, EventType::kWarning, "RankFailed", "rank 30");
  recorder_->Event(kJob, EventType::kWarning, "RankFailed", "rank 31");
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  EXPECT_THAT(Events("research"), SizeIs(26));
  EXPECT_EQ(recorder_->stats().spam_filtered, 6);
}

TEST_F(EventRecorderProtocolTest, EventsAboutClusterScopedObjectsGoToDefault) {
  recorder_->Event({.api_version = "v1", .kind = "Node", .name = "node-7", .uid = "n7"},
                   EventType::kWarning, "NpuUnhealthy", "die 3 ECC errors");
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  std::vector<json> events = Events("default");
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0]["involvedObject"]["name"], "node-7");
}

TEST_F(EventRecorderProtocolTest, AnExpiredEventIsCreatedAgain) {
  recorder_->Event(kJob, EventType::kNormal, "Started", "go");
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  const std::string name = Events("research").at(0)["metadata"]["name"];
  server_.Remove(EventsResource(), "research", name);  // the server's event TTL
  recorder_->Event(kJob, EventType::kNormal, "Started", "go");
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  std::vector<json> events = Events("research");
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0]["metadata"]["name"], name);
  EXPECT_EQ(events[0]["count"], 2);
  EXPECT_EQ(recorder_->stats().created, 2);
}

}  // namespace
}  // namespace flyover::kube
