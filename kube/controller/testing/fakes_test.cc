// The fakes other modules' tests rely on behave as their headers say.
#include <memory>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/controller/testing/elector_runner.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/controller/testing/fake_event_sink.h"
#include "kube/controller/testing/fake_leader_elector.h"
#include "kube/controller/testing/fake_lease_lock.h"

namespace flyover::kube {
namespace {

using ::testing::ElementsAre;

TEST(FakeEventRecorderTest, RecordsEventsInOrder) {
  FakeEventRecorder recorder;
  ObjectReference job{.kind = "PostTrainingJob", .namespace_ = "ns", .name = "j"};
  recorder.Event(job, EventType::kNormal, "Created", "created 4 pods");
  recorder.Event(job, EventType::kWarning, "Fault", "rank 1 exited");
  EXPECT_THAT(recorder.Strings(),
              ElementsAre("Normal Created created 4 pods", "Warning Fault rank 1 exited"));
  EXPECT_EQ(recorder.CountReason("Fault"), 1);
  EXPECT_EQ(recorder.events()[0].object, job);
  EXPECT_TRUE(recorder.WaitForEvents(2, absl::ZeroDuration()));
  recorder.Clear();
  EXPECT_TRUE(recorder.events().empty());
}

TEST(FakeEventSinkTest, CreatesPatchesAndFails) {
  FakeEventSink sink;
  nlohmann::json event = {{"metadata", {{"name", "e"}, {"namespace", "ns"}}}, {"count", 1}};
  ASSERT_TRUE(sink.Create(event).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(sink.Create(event).status()));
  absl::StatusOr<nlohmann::json> patched = sink.Patch("ns", "e", {{"count", 2}});
  ASSERT_TRUE(patched.ok());
  EXPECT_EQ((*patched)["count"], 2);
  EXPECT_TRUE(absl::IsNotFound(sink.Patch("ns", "missing", {}).status()));
  sink.FailNext(absl::UnavailableError("down"));
  EXPECT_TRUE(absl::IsUnavailable(sink.Patch("ns", "e", {}).status()));
  EXPECT_EQ(sink.creates(), 2);
  EXPECT_EQ(sink.patches(), 3);
}

TEST(FakeLeaseLockTest, StaleWritesConflict) {
  auto store = std::make_shared<FakeLeaseStore>();
  FakeLeaseLock a(store), b(store);
  EXPECT_TRUE(absl::IsNotFound(a.Get().status()));
  ASSERT_TRUE(b.Create({.holder_identity = "b"}).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(a.Create({.holder_identity = "a"})));
  ASSERT_TRUE(a.Get().ok());
  ASSERT_TRUE(b.Update({.holder_identity = "b", .leader_transitions = 1}).ok());
  EXPECT_TRUE(absl::IsAborted(a.Update({.holder_identity = "a"})));
  EXPECT_EQ(store->record()->holder_identity, "b");
  store->FailCalls(absl::UnavailableError("down"), 1);
  EXPECT_TRUE(absl::IsUnavailable(a.Get().status()));
  EXPECT_TRUE(a.Get().ok());
}

TEST(FakeLeaderElectorTest, TheTestDecidesLeadership) {
  FakeLeaderElector elector("me");
  ElectorRunner run(&elector);
  ASSERT_TRUE(elector.WaitUntilRunning());
  EXPECT_FALSE(elector.IsLeader());
  elector.Elect();
  ASSERT_TRUE(run.WaitStartedLeading());
  EXPECT_TRUE(elector.IsLeader());
  EXPECT_EQ(elector.Leader(), "me");
  elector.LoseLeadership();
  ASSERT_TRUE(run.WaitFinished());
  EXPECT_TRUE(absl::IsAborted(run.result()));
  EXPECT_TRUE(run.stopped_leading());
  EXPECT_FALSE(elector.released());
  EXPECT_THAT(run.leaders_observed(), ElementsAre("me"));
}

TEST(FakeLeaderElectorTest, StopWhileLeadingIsARelease) {
  FakeLeaderElector elector;
  ElectorRunner run(&elector);
  elector.Elect();
  ASSERT_TRUE(run.WaitStartedLeading());
  run.Stop();
  EXPECT_TRUE(run.result().ok());
  EXPECT_TRUE(elector.released());
  EXPECT_EQ(elector.runs(), 1);
}

}  // namespace
}  // namespace flyover::kube
