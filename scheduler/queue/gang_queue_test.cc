#include "scheduler/queue/gang_queue.h"

#include <thread>

#include "common/fake_clock.h"
#include "gtest/gtest.h"

namespace flyover::sched {
namespace {

constexpr absl::Duration kNow = absl::ZeroDuration();

class GangQueueTest : public ::testing::Test {
 protected:
  absl::Time T(int seconds) { return absl::FromUnixSeconds(1000 + seconds); }
  FakeClock clock_;
  GangQueue queue_{{.clock = &clock_,
                    .initial_backoff = absl::Seconds(1),
                    .max_backoff = absl::Seconds(4),
                    .max_unschedulable_wait = absl::Seconds(60)}};
};

TEST_F(GangQueueTest, ReplacementsFirstThenOldestFirst) {
  queue_.Add("ns/young", {.created = T(20)});
  queue_.Add("ns/old", {.created = T(10)});
  queue_.Add("ns/w-3#replacement", {.replacement = true, .created = T(30)});
  EXPECT_EQ(queue_.Pop(kNow), "ns/w-3#replacement");
  EXPECT_EQ(queue_.Pop(kNow), "ns/old");
  EXPECT_EQ(queue_.Pop(kNow), "ns/young");
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt);
}

TEST_F(GangQueueTest, HigherPriorityFirstThenOldestFirst) {
  queue_.Add("ns/old-low", {.created = T(10)});
  queue_.Add("ns/young-high", {.priority = 100, .created = T(30)});
  queue_.Add("ns/old-high", {.priority = 100, .created = T(20)});
  queue_.Add("ns/negative", {.priority = -5, .created = T(0)});
  queue_.Add("ns/w-3#replacement", {.replacement = true, .priority = -10, .created = T(40)});
  EXPECT_EQ(queue_.Pop(kNow), "ns/w-3#replacement") << "a running job waits: first";
  EXPECT_EQ(queue_.Pop(kNow), "ns/old-high");
  EXPECT_EQ(queue_.Pop(kNow), "ns/young-high");
  EXPECT_EQ(queue_.Pop(kNow), "ns/old-low");
  EXPECT_EQ(queue_.Pop(kNow), "ns/negative");
}

TEST_F(GangQueueTest, ReAddingWithANewPriorityMovesTheGang) {
  queue_.Add("ns/a", {.created = T(10)});
  queue_.Add("ns/b", {.created = T(20)});
  queue_.Add("ns/b", {.priority = 1, .created = T(20)});
  EXPECT_EQ(queue_.Pop(kNow), "ns/b");
  EXPECT_EQ(queue_.Pop(kNow), "ns/a");
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt) << "the old entry of b is gone";
}

TEST_F(GangQueueTest, UnschedulableGangWaitsForChangeAndBackoff) {
  queue_.Add("ns/g", {});
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Done("ns/g", GangOutcome::kUnschedulable);
  EXPECT_EQ(queue_.unschedulable_size(), 1u);
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt) << "backoff over, but nothing changed";
  queue_.OnClusterChange();
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  // Second failure: 2 s backoff, counted from now, even with a change at once.
  queue_.Done("ns/g", GangOutcome::kUnschedulable);
  queue_.OnClusterChange();
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(queue_.Pop(kNow), "ns/g");
}

TEST_F(GangQueueTest, ParkedGangIsRetriedByItsWakeByTimeWithoutChange) {
  queue_.Add("ns/g", {});
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Done("ns/g", GangOutcome::kUnschedulable, clock_.Now() + absl::Seconds(7));
  clock_.Advance(absl::Seconds(6));
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt) << "backoff over, no change, not yet woken";
  clock_.Advance(absl::Seconds(1));
  ASSERT_EQ(queue_.Pop(kNow), "ns/g") << "its timeout ran out";
  queue_.Done("ns/g", GangOutcome::kUnschedulable);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt) << "a wake-by time is used once";
  // Never before the backoff, however early the wake-by time.
  queue_.OnClusterChange();
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Done("ns/g", GangOutcome::kUnschedulable, clock_.Now());
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt);
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(queue_.Pop(kNow), "ns/g");
}

TEST_F(GangQueueTest, ParkedGangIsRetriedAfterMaxWaitWithoutChange) {
  queue_.Add("ns/g", {});
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Done("ns/g", GangOutcome::kUnschedulable);
  clock_.Advance(absl::Seconds(59));
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(queue_.Pop(kNow), "ns/g");
}

TEST_F(GangQueueTest, ErrorsRetryAfterCappedBackoffAndSuccessResets) {
  queue_.Add("ns/g", {});
  for (int failures = 1; failures <= 4; ++failures) {
    ASSERT_EQ(queue_.Pop(kNow), "ns/g") << failures;
    queue_.Done("ns/g", GangOutcome::kError);
    const absl::Duration backoff = absl::Seconds(failures == 1 ? 1 : failures == 2 ? 2 : 4);
    clock_.Advance(backoff - absl::Milliseconds(1));
    EXPECT_EQ(queue_.Pop(kNow), std::nullopt) << failures;
    clock_.Advance(absl::Milliseconds(1));
  }
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Done("ns/g", GangOutcome::kScheduled);
  queue_.Add("ns/g", {});
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Done("ns/g", GangOutcome::kError);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(queue_.Pop(kNow), "ns/g") << "failure count was reset";
}

TEST_F(GangQueueTest, KeyIsNeverHandedOutTwice) {
  queue_.Add("ns/g", {});
  ASSERT_EQ(queue_.Pop(kNow), "ns/g");
  queue_.Add("ns/g", {});  // a pod of the gang changed while it is being scheduled
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt);
  queue_.Done("ns/g", GangOutcome::kScheduled);
  EXPECT_EQ(queue_.Pop(kNow), "ns/g") << "the change is not lost";
}

TEST_F(GangQueueTest, BlockedPopWakesOnAddAndOnClose) {
  std::optional<std::string> popped;
  std::thread waiter([&] { popped = queue_.Pop(absl::Hours(1)); });
  queue_.Add("ns/g", {});
  waiter.join();
  EXPECT_EQ(popped, "ns/g");
  std::thread closer([&] { popped = queue_.Pop(absl::Hours(1)); });
  queue_.Close();
  closer.join();
  EXPECT_EQ(popped, std::nullopt);
}

TEST_F(GangQueueTest, RemovedGangIsGone) {
  queue_.Add("ns/a", {});
  queue_.Remove("ns/a");
  EXPECT_EQ(queue_.Pop(kNow), std::nullopt);
  EXPECT_EQ(queue_.active_size(), 0u);
}

}  // namespace
}  // namespace flyover::sched
