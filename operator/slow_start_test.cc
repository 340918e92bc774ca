#include "operator/slow_start.h"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::op {
namespace {

TEST(SlowStartBatchesTest, CallsEveryIndexExactlyOnce) {
  std::mutex mu;
  std::multiset<size_t> called;
  const std::vector<absl::Status> results = SlowStartBatches(100, 8, [&](size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    called.insert(i);
    return absl::OkStatus();
  });
  ASSERT_EQ(results.size(), 100u);
  for (size_t i = 0; i < 100; ++i) {
    EXPECT_TRUE(results[i].ok()) << i;
    EXPECT_EQ(called.count(i), 1u) << i;
  }
}

TEST(SlowStartBatchesTest, NoBatchStartsAfterOneWithAnError) {
  // Batches: [0], [1,2], [3..6], [7..14], ...; index 5 fails, so 7 and later never run.
  std::atomic<size_t> highest{0};
  const std::vector<absl::Status> results = SlowStartBatches(100, 4, [&](size_t i) {
    size_t seen = highest.load();
    while (i > seen && !highest.compare_exchange_weak(seen, i)) {
    }
    return i == 5 ? absl::PermissionDeniedError("quota") : absl::OkStatus();
  });
  EXPECT_EQ(highest.load(), 6u);
  EXPECT_TRUE(results[6].ok());
  EXPECT_TRUE(absl::IsPermissionDenied(results[5]));
  EXPECT_TRUE(absl::IsCancelled(results[7]));
  EXPECT_TRUE(absl::IsCancelled(results[99]));
}

TEST(SlowStartBatchesTest, ABatchRunsConcurrentlyUpToTheLimit) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  const std::vector<absl::Status> results = SlowStartBatches(64, 4, [&](size_t) {
    const int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    --running;
    return absl::OkStatus();
  });
  EXPECT_GT(most.load(), 1);
  EXPECT_LE(most.load(), 4);
}

TEST(SlowStartBatchesTest, NothingToDoCallsNothing) {
  EXPECT_THAT(SlowStartBatches(0, 8, [](size_t) { return absl::InternalError("called"); }),
              ::testing::IsEmpty());
}

}  // namespace
}  // namespace flyover::op
