// SinkEventRecorder over a FakeEventSink and a FakeClock.
#include "kube/controller/event_recorder.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/client/api_status.h"
#include "kube/controller/testing/fake_event_sink.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

const ObjectReference kJob{.api_version = "training.flyover.dev/v1alpha1",
                           .kind = "PostTrainingJob",
                           .namespace_ = "research",
                           .name = "llama",
                           .uid = "uid-1"};

// Blocks every Create until Release(), after telling the test it was entered.
class BlockingSink final : public EventSink {
 public:
  explicit BlockingSink(EventSink* inner) : inner_(inner) {}
  absl::StatusOr<json> Create(const json& event) override {
    if (!entered_.HasBeenNotified()) entered_.Notify();
    release_.WaitForNotification();
    return inner_->Create(event);
  }
  absl::StatusOr<json> Patch(absl::string_view ns, absl::string_view name,
                             const json& patch) override {
    return inner_->Patch(ns, name, patch);
  }
  void WaitEntered() { entered_.WaitForNotification(); }
  void Release() { release_.Notify(); }

 private:
  EventSink* const inner_;
  absl::Notification entered_;
  absl::Notification release_;
};

class EventRecorderTest : public ::testing::Test {
 protected:
  std::unique_ptr<SinkEventRecorder> Recorder(EventSink* sink, EventRecorderOptions options = {}) {
    options.component = "flyover-operator";
    options.host = "node-1";
    options.clock = &clock_;
    options.registry = registry_;
    auto recorder = SinkEventRecorder::Create(sink, std::move(options));
    EXPECT_TRUE(recorder.ok()) << recorder.status();
    return recorder.ok() ? *std::move(recorder) : nullptr;
  }

  double Outcome(const std::string& outcome) {
    return MetricValue(*registry_, "flyover_event_recorder_events_total", {{"outcome", outcome}})
        .value_or(-1);
  }

  FakeClock clock_;
  FakeEventSink sink_;
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(EventRecorderTest, RejectsBadOptions) {
  EXPECT_THAT(SinkEventRecorder::Create(&sink_, {}).status().message(), HasSubstr("component"));
  EXPECT_THAT(SinkEventRecorder::Create(nullptr, {.component = "c"}).status().message(),
              HasSubstr("sink"));
  EXPECT_THAT(
      SinkEventRecorder::Create(&sink_, {.component = "c", .queue_capacity = 0}).status().message(),
      HasSubstr("queue_capacity"));
}

TEST_F(EventRecorderTest, CreatesTheEvent) {
  auto recorder = Recorder(&sink_);
  recorder->Event(kJob, EventType::kWarning, "FaultDetected", "rank 3 exited");
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  auto events = sink_.events();
  ASSERT_THAT(events, SizeIs(1));
  const auto& [key, event] = *events.begin();
  EXPECT_THAT(key, StartsWith("research/llama."));
  EXPECT_EQ(event["involvedObject"]["name"], "llama");
  EXPECT_EQ(event["involvedObject"]["uid"], "uid-1");
  EXPECT_EQ(event["type"], "Warning");
  EXPECT_EQ(event["reason"], "FaultDetected");
  EXPECT_EQ(event["message"], "rank 3 exited");
  EXPECT_EQ(event["source"], (json{{"component", "flyover-operator"}, {"host", "node-1"}}));
  EXPECT_EQ(event["count"], 1);
  EXPECT_EQ(event["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(recorder->stats().created, 1);
  EXPECT_EQ(Outcome("created"), 1);
  EXPECT_EQ(Outcome("queue_full"), 0);
}

TEST_F(EventRecorderTest, IdenticalEventsAreAggregatedIntoCounts) {
  auto recorder = Recorder(&sink_);
  for (int i = 0; i < 3; ++i) {
    recorder->Event(kJob, EventType::kNormal, "Checkpointed", "step 100");
    clock_.Advance(absl::Seconds(10));
  }
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  auto events = sink_.events();
  ASSERT_THAT(events, SizeIs(1));
  const json& event = events.begin()->second;
  EXPECT_EQ(event["count"], 3);
  EXPECT_EQ(event["firstTimestamp"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(event["lastTimestamp"], "2026-01-01T00:00:20Z");
  EXPECT_EQ(sink_.creates(), 1);
  EXPECT_EQ(sink_.patches(), 2);
  EXPECT_EQ(Outcome("patched"), 2);
}

TEST_F(EventRecorderTest, AVanishedEventIsCreatedAgain) {
  auto recorder = Recorder(&sink_);
  recorder->Event(kJob, EventType::kNormal, "Started", "go");
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  const std::string name = sink_.events().begin()->second["metadata"]["name"];
  sink_.Remove("research", name);
  recorder->Event(kJob, EventType::kNormal, "Started", "go");
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  ASSERT_TRUE(sink_.Get("research", name).has_value());
  EXPECT_EQ((*sink_.Get("research", name))["count"], 2);
  EXPECT_EQ(recorder->stats().created, 2);
}

TEST_F(EventRecorderTest, SpamIsFilteredAndCounted) {
  auto recorder = Recorder(&sink_, {.correlator = {.spam_burst = 3}});
  for (int i = 0; i < 5; ++i) {
    recorder->Event(kJob, EventType::kWarning, "Fault", absl::StrCat("rank ", i));
  }
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  EXPECT_THAT(sink_.events(), SizeIs(3));
  EXPECT_EQ(recorder->stats().spam_filtered, 2);
  EXPECT_EQ(Outcome("spam_filtered"), 2);
}

TEST_F(EventRecorderTest, EventNeverBlocksAndDropsWhenTheQueueIsFull) {
  BlockingSink blocking(&sink_);
  auto recorder = Recorder(&blocking, {.queue_capacity = 2});
  recorder->Event(kJob, EventType::kNormal, "R", "0");
  blocking.WaitEntered();  // the writer holds event 0
  for (int i = 1; i <= 4; ++i) recorder->Event(kJob, EventType::kNormal, "R", absl::StrCat(i));
  EXPECT_EQ(recorder->stats().queue_full, 2);
  EXPECT_EQ(Outcome("queue_full"), 2);
  blocking.Release();
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  EXPECT_THAT(sink_.events(), SizeIs(3));
}

TEST_F(EventRecorderTest, TransportFailuresAreRetriedOnTheClock) {
  auto recorder = Recorder(&sink_, {.retry_interval = absl::Seconds(10)});
  sink_.FailNext(absl::UnavailableError("connection refused"), 2);
  recorder->Event(kJob, EventType::kNormal, "Started", "go");
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
    clock_.Advance(absl::Seconds(10));
  }
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  EXPECT_EQ(sink_.creates(), 3);
  EXPECT_THAT(sink_.events(), SizeIs(1));
  EXPECT_EQ(recorder->stats().created, 1);
}

TEST_F(EventRecorderTest, GivesUpAfterMaxTries) {
  auto recorder = Recorder(&sink_, {.max_tries = 2});
  sink_.FailNext(absl::UnavailableError("connection refused"), 5);
  recorder->Event(kJob, EventType::kNormal, "Started", "go");
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  EXPECT_EQ(sink_.creates(), 2);
  EXPECT_EQ(recorder->stats().failed, 1);
}

TEST_F(EventRecorderTest, ServerRefusalsAreNotRetried) {
  auto recorder = Recorder(&sink_);
  sink_.FailNext(StatusFromHttpResponse(
      422, R"({"kind":"Status","status":"Failure","reason":"Invalid","code":422})"));
  recorder->Event(kJob, EventType::kNormal, "Started", "go");
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  EXPECT_EQ(sink_.creates(), 1);
  EXPECT_EQ(recorder->stats().failed, 1);
  EXPECT_EQ(Outcome("failed"), 1);
}

TEST_F(EventRecorderTest, StopWritesWhatIsQueuedAndIgnoresLaterEvents) {
  BlockingSink blocking(&sink_);
  auto recorder = Recorder(&blocking);
  for (int i = 0; i < 3; ++i) recorder->Event(kJob, EventType::kNormal, "R", absl::StrCat(i));
  blocking.WaitEntered();
  blocking.Release();
  recorder->Stop();
  EXPECT_THAT(sink_.events(), SizeIs(3));
  recorder->Event(kJob, EventType::kNormal, "R", "late");
  EXPECT_THAT(sink_.events(), SizeIs(3));
}

TEST_F(EventRecorderTest, EventsAtTheSameInstantGetDistinctNames) {
  auto recorder = Recorder(&sink_);
  recorder->Event(kJob, EventType::kNormal, "A", "m");
  recorder->Event(kJob, EventType::kNormal, "B", "m");
  ASSERT_TRUE(recorder->Flush(absl::Seconds(10)));
  EXPECT_THAT(sink_.events(), SizeIs(2));
  EXPECT_EQ(recorder->stats().failed, 0);
}

}  // namespace
}  // namespace flyover::kube
