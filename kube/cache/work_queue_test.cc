#include "kube/cache/work_queue.h"

#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/metric_values.h"

namespace flyover::kube {
namespace {

using ::testing::Optional;

TEST(WorkQueueTest, HandsOutKeysInFirstAddedOrderAndDeduplicates) {
  WorkQueue queue;
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  queue.Add("c");
  EXPECT_EQ(queue.Len(), 3);
  EXPECT_THAT(queue.Get(), Optional(std::string("a")));
  EXPECT_THAT(queue.Get(), Optional(std::string("b")));
  EXPECT_THAT(queue.Get(), Optional(std::string("c")));
  EXPECT_EQ(queue.Len(), 0);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsQueuedOnlyAfterDone) {
  WorkQueue queue;
  queue.Add("a");
  ASSERT_THAT(queue.Get(), Optional(std::string("a")));
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0);  // held back: a worker has it
  queue.Add("b");
  EXPECT_THAT(queue.Get(), Optional(std::string("b")));
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 1);  // once, however often it was added
  EXPECT_THAT(queue.Get(), Optional(std::string("a")));
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 0);
}

TEST(WorkQueueTest, DoneOfKeyNotHandedOutIsIgnored) {
  WorkQueue queue;
  queue.Done("never");
  queue.Add("a");
  queue.Done("a");  // queued, not processing: still queued once
  EXPECT_EQ(queue.Len(), 1);
  EXPECT_THAT(queue.Get(), Optional(std::string("a")));
}

TEST(WorkQueueTest, ShutDownIgnoresAddsButHandsOutWhatWasQueued) {
  WorkQueue queue;
  queue.Add("a");
  queue.ShutDown();
  EXPECT_TRUE(queue.ShuttingDown());
  queue.Add("b");
  EXPECT_THAT(queue.Get(), Optional(std::string("a")));
  EXPECT_EQ(queue.Get(), std::nullopt);
  EXPECT_EQ(queue.Get(), std::nullopt);
}

TEST(WorkQueueTest, ShutDownWakesBlockedWorkers) {
  WorkQueue queue;
  std::vector<std::thread> workers;
  std::atomic<int> finished = 0;
  for (int i = 0; i < 3; ++i) {
    workers.emplace_back([&] {
      EXPECT_EQ(queue.Get(), std::nullopt);
      ++finished;
    });
  }
  queue.ShutDown();
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(finished, 3);
}

TEST(WorkQueueTest, ShutDownWithDrainWaitsForKeysInFlight) {
  FakeClock clock;
  WorkQueue queue({.clock = &clock});
  queue.Add("a");
  ASSERT_THAT(queue.Get(), Optional(std::string("a")));
  queue.Add("a");  // dirty while processing: must be processed before the drain ends
  std::atomic<bool> drained = false;
  std::thread drainer([&] { drained = queue.ShutDownWithDrain(); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));  // the drain is waiting
  EXPECT_FALSE(drained);
  queue.Done("a");
  EXPECT_THAT(queue.Get(), Optional(std::string("a")));  // re-queued despite the shutdown
  queue.Done("a");
  drainer.join();
  EXPECT_TRUE(drained);
  EXPECT_EQ(queue.Get(), std::nullopt);
}

TEST(WorkQueueTest, ShutDownWithDrainGivesUpAfterItsTimeout) {
  FakeClock clock;
  WorkQueue queue({.clock = &clock, .drain_timeout = absl::Seconds(10)});
  queue.Add("a");
  ASSERT_THAT(queue.Get(), Optional(std::string("a")));
  std::atomic<bool> drained = true;
  std::thread drainer([&] { drained = queue.ShutDownWithDrain(); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(10));
  drainer.join();
  EXPECT_FALSE(drained);
}

TEST(WorkQueueTest, ShutDownWithDrainOfAnIdleQueueReturnsAtOnce) {
  FakeClock clock;
  WorkQueue queue({.clock = &clock});
  EXPECT_TRUE(queue.ShutDownWithDrain());
}

// Workers and producers hammer a small key set; no key may ever be held by two workers at
// once, and every key added is processed after its last add.
TEST(WorkQueueTest, ConcurrentWorkersNeverShareAKey) {
  WorkQueue queue;
  constexpr int kKeys = 8;
  constexpr int kWorkers = 4;
  constexpr int kAddsPerProducer = 20000;
  absl::Mutex mu;
  absl::flat_hash_set<std::string> in_progress;
  std::atomic<int> overlaps = 0;
  std::atomic<int> processed = 0;
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&] {
      while (std::optional<std::string> key = queue.Get()) {
        {
          absl::MutexLock lock(&mu);
          if (!in_progress.insert(*key).second) ++overlaps;
        }
        std::this_thread::yield();
        {
          absl::MutexLock lock(&mu);
          in_progress.erase(*key);
        }
        ++processed;
        queue.Done(*key);
      }
    });
  }
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&queue, p] {
      std::mt19937 random(p);
      for (int i = 0; i < kAddsPerProducer; ++i) {
        queue.Add(absl::StrCat("key-", random() % kKeys));
      }
    });
  }
  for (std::thread& t : producers) t.join();
  EXPECT_TRUE(queue.ShutDownWithDrain());
  for (std::thread& t : workers) t.join();
  EXPECT_EQ(overlaps, 0);
  EXPECT_GT(processed, 0);
  EXPECT_EQ(queue.Len(), 0);
}

TEST(WorkQueueTest, ExportsDepthAddsAndDurations) {
  auto registry = std::make_shared<prometheus::Registry>();
  FakeClock clock;
  WorkQueue queue({.name = "ptj", .registry = registry, .clock = &clock});
  const std::map<std::string, std::string> labels = {{"name", "ptj"}};
  // Every series exists at zero before the first add.
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_depth", labels), 0);
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_adds_total", labels), 0);
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_retries_total", labels), 0);
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_queue_duration_seconds", labels), 0);
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_work_duration_seconds", labels), 0);

  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_adds_total", labels), 2);
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_depth", labels), 2);
  clock.Advance(absl::Seconds(3));
  ASSERT_THAT(queue.Get(), Optional(std::string("a")));
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_depth", labels), 1);
  EXPECT_EQ(SampleSum(*registry, "flyover_workqueue_queue_duration_seconds", labels), 3.0);
  clock.Advance(absl::Seconds(2));
  queue.Done("a");
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_work_duration_seconds", labels), 1);
  EXPECT_EQ(SampleSum(*registry, "flyover_workqueue_work_duration_seconds", labels), 2.0);
}

TEST(WorkQueueTest, QueuesShareMetricFamiliesByName) {
  auto registry = std::make_shared<prometheus::Registry>();
  WorkQueue a({.name = "a", .registry = registry});
  WorkQueue b({.name = "b", .registry = registry});
  a.Add("x");
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_adds_total", {{"name", "a"}}), 1);
  EXPECT_EQ(MetricValue(*registry, "flyover_workqueue_adds_total", {{"name", "b"}}), 0);
}

}  // namespace
}  // namespace flyover::kube
