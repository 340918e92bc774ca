#include "worker/npu/stream_engine.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

DeviceOp Op(std::function<absl::Status()> run, double flops = 0) {
  DeviceOp op;
  op.name = "test_op";
  op.flops = flops;
  op.run = std::move(run);
  return op;
}

// A kernel that blocks its stream until the test opens the gate.
struct Gate {
  absl::Notification entered;
  absl::Notification open;
  DeviceOp AsOp() {
    return Op([this] {
      entered.Notify();
      open.WaitForNotification();
      return absl::OkStatus();
    });
  }
};

TEST(StreamEngineTest, RunsOneStreamsWorkInEnqueueOrder) {
  StreamEngine engine(RealClock());
  absl::StatusOr<StreamHandle> stream = engine.CreateStream();
  ASSERT_TRUE(stream.ok());
  std::vector<int> order;  // touched only by the stream thread until Synchronize
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(engine.Enqueue(*stream, Op([&order, i] {
                                 order.push_back(i);
                                 return absl::OkStatus();
                               })).ok());
  }
  ASSERT_TRUE(engine.Synchronize(*stream, {}).ok());
  ASSERT_EQ(order.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(order[i], i);
}

TEST(StreamEngineTest, StreamWaitsForEventRecordedOnAnotherStream) {
  StreamEngine engine(RealClock());
  StreamHandle producer = *engine.CreateStream();
  StreamHandle consumer = *engine.CreateStream();
  EventHandle ready = *engine.CreateEvent();
  Gate gate;
  std::atomic<int> value{0};
  ASSERT_TRUE(engine.Enqueue(producer, gate.AsOp()).ok());
  ASSERT_TRUE(engine.Enqueue(producer, Op([&] {
                               value = 42;
                               return absl::OkStatus();
                             })).ok());
  ASSERT_TRUE(engine.Record(ready, producer).ok());
  ASSERT_TRUE(engine.Wait(consumer, ready).ok());
  int seen = -1;
  absl::Notification consumed;
  ASSERT_TRUE(engine.Enqueue(consumer, Op([&] {
                               seen = value;
                               consumed.Notify();
                               return absl::OkStatus();
                             })).ok());
  gate.entered.WaitForNotification();
  EXPECT_FALSE(*engine.QueryEvent(ready));
  EXPECT_FALSE(consumed.HasBeenNotified());  // held back by the event
  gate.open.Notify();
  ASSERT_TRUE(engine.SynchronizeEvent(ready, {}).ok());
  ASSERT_TRUE(engine.Synchronize(consumer, {}).ok());
  EXPECT_EQ(seen, 42);
  EXPECT_TRUE(*engine.QueryEvent(ready));
}

TEST(StreamEngineTest, UnrecordedEventIsComplete) {
  StreamEngine engine(RealClock());
  StreamHandle stream = *engine.CreateStream();
  EventHandle event = *engine.CreateEvent();
  EXPECT_TRUE(*engine.QueryEvent(event));
  EXPECT_TRUE(engine.SynchronizeEvent(event, {}).ok());
  ASSERT_TRUE(engine.Wait(stream, event).ok());
  EXPECT_TRUE(engine.Synchronize(stream, {}).ok());
}

TEST(StreamEngineTest, SynchronizeTimesOutOnTheInjectedClock) {
  FakeClock clock;
  StreamEngine engine(&clock);
  StreamHandle stream = *engine.CreateStream();
  EventHandle event = *engine.CreateEvent();
  Gate gate;
  ASSERT_TRUE(engine.Enqueue(stream, gate.AsOp()).ok());
  ASSERT_TRUE(engine.Record(event, stream).ok());
  absl::Status stream_result, event_result;
  std::thread waiter([&] {
    stream_result = engine.Synchronize(stream, SyncOptions{absl::Seconds(5)});
    event_result = engine.SynchronizeEvent(event, SyncOptions{absl::Seconds(5)});
  });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(5));
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(5));
  waiter.join();
  EXPECT_EQ(stream_result.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(stream_result.message(), HasSubstr("0 of 2 operations"));
  EXPECT_EQ(event_result.code(), absl::StatusCode::kDeadlineExceeded);
  gate.open.Notify();
  EXPECT_TRUE(engine.Synchronize(stream, {}).ok());
}

TEST(StreamEngineTest, KernelErrorPoisonsStreamUntilReset) {
  StreamEngine engine(RealClock());
  StreamHandle stream = *engine.CreateStream();
  Gate gate;  // holds the stream so that everything below is queued before the failure
  bool later_ran = false;
  ASSERT_TRUE(engine.Enqueue(stream, gate.AsOp()).ok());
  ASSERT_TRUE(engine.Enqueue(stream, Op([] { return absl::DataLossError("bad bits"); })).ok());
  ASSERT_TRUE(engine.Enqueue(stream, Op([&] {
                               later_ran = true;
                               return absl::OkStatus();
                             })).ok());
  gate.open.Notify();
  absl::Status synced = engine.Synchronize(stream, {});
  EXPECT_EQ(synced.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(synced.message(), HasSubstr("kernel test_op on stream"));
  EXPECT_THAT(synced.message(), HasSubstr("bad bits"));
  EXPECT_FALSE(later_ran);  // skipped after the failure
  // Every later synchronize and enqueue reports the poison, with its code.
  EXPECT_EQ(engine.Synchronize(stream, {}).code(), absl::StatusCode::kDataLoss);
  absl::Status refused = engine.Enqueue(stream, Op([] { return absl::OkStatus(); }));
  EXPECT_EQ(refused.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(refused.message(), HasSubstr("poisoned until ResetStream"));
  EXPECT_EQ(engine.StreamError(stream).code(), absl::StatusCode::kDataLoss);

  ASSERT_TRUE(engine.Reset(stream).ok());
  EXPECT_TRUE(engine.StreamError(stream).ok());
  bool ran = false;
  ASSERT_TRUE(engine.Enqueue(stream, Op([&] {
                               ran = true;
                               return absl::OkStatus();
                             })).ok());
  EXPECT_TRUE(engine.Synchronize(stream, {}).ok());
  EXPECT_TRUE(ran);
}

TEST(StreamEngineTest, EventRecordedAfterFailureCompletesWithTheError) {
  StreamEngine engine(RealClock());
  StreamHandle stream = *engine.CreateStream();
  EventHandle event = *engine.CreateEvent();
  Gate gate;
  ASSERT_TRUE(engine.Enqueue(stream, gate.AsOp()).ok());
  ASSERT_TRUE(engine.Enqueue(stream, Op([] { return absl::DataLossError("x"); })).ok());
  ASSERT_TRUE(engine.Record(event, stream).ok());  // accepted: the error has not happened yet
  gate.open.Notify();
  EXPECT_EQ(engine.SynchronizeEvent(event, {}).code(), absl::StatusCode::kDataLoss);
}

TEST(StreamEngineTest, ResetDropsQueuedWorkAndAbortsItsEvents) {
  StreamEngine engine(RealClock());
  StreamHandle stream = *engine.CreateStream();
  EventHandle event = *engine.CreateEvent();
  Gate gate;
  bool dropped_ran = false;
  ASSERT_TRUE(engine.Enqueue(stream, gate.AsOp()).ok());
  ASSERT_TRUE(engine.Enqueue(stream, Op([&] {
                               dropped_ran = true;
                               return absl::OkStatus();
                             })).ok());
  ASSERT_TRUE(engine.Record(event, stream).ok());
  gate.entered.WaitForNotification();
  ASSERT_TRUE(engine.Reset(stream).ok());
  EXPECT_EQ(engine.SynchronizeEvent(event, {}).code(), absl::StatusCode::kAborted);
  gate.open.Notify();
  EXPECT_TRUE(engine.Synchronize(stream, {}).ok());
  EXPECT_FALSE(dropped_ran);
}

TEST(StreamEngineTest, HangStopsProgressUntilCleared) {
  FakeClock clock;
  StreamEngine engine(&clock);
  StreamHandle stream = *engine.CreateStream();
  engine.SetHang(true);
  bool ran = false;
  ASSERT_TRUE(engine.Enqueue(stream, Op([&] {
                               ran = true;
                               return absl::OkStatus();
                             })).ok());
  absl::Status result;
  std::thread waiter([&] { result = engine.Synchronize(stream, SyncOptions{absl::Seconds(1)}); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(1));
  waiter.join();
  EXPECT_EQ(result.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(result.message(), HasSubstr("hung"));
  engine.SetHang(false);
  EXPECT_TRUE(engine.Synchronize(stream, {}).ok());
  EXPECT_TRUE(ran);
}

TEST(StreamEngineTest, RateCapPacesKernelsOnTheDieTimeline) {
  FakeClock clock;
  StreamEngine engine(&clock);
  StreamHandle stream = *engine.CreateStream();
  engine.SetPacing(/*gflops=*/1.0, /*slowdown=*/2.0);
  EventHandle done = *engine.CreateEvent();
  // 1 GFLOP at 1 GFLOP/s, twice as slow: the die is busy for 2 s.
  ASSERT_TRUE(engine.Enqueue(stream, Op([] { return absl::OkStatus(); }, 1e9)).ok());
  ASSERT_TRUE(engine.Record(done, stream).ok());
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Milliseconds(1999));
  EXPECT_FALSE(*engine.QueryEvent(done));
  clock.Advance(absl::Milliseconds(1));
  EXPECT_TRUE(engine.SynchronizeEvent(done, {}).ok());
}

TEST(StreamEngineTest, DestroyingAStreamAbortsItsPendingEventsAndStaleHandlesFail) {
  StreamEngine engine(RealClock());
  StreamHandle stream = *engine.CreateStream();
  EventHandle event = *engine.CreateEvent();
  Gate gate;
  ASSERT_TRUE(engine.Enqueue(stream, gate.AsOp()).ok());
  ASSERT_TRUE(engine.Record(event, stream).ok());
  gate.entered.WaitForNotification();
  std::thread destroyer([&] { EXPECT_TRUE(engine.DestroyStream(stream).ok()); });
  EXPECT_EQ(engine.SynchronizeEvent(event, {}).code(), absl::StatusCode::kAborted);
  gate.open.Notify();
  destroyer.join();
  EXPECT_EQ(engine.Synchronize(stream, {}).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(engine.Enqueue(stream, Op(nullptr)).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(engine.DestroyEvent(event).ok());
  EXPECT_EQ(engine.QueryEvent(event).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flyover::worker
