#include "worker/train/store_checkpoint_barrier.h"

#include <thread>

#include "gtest/gtest.h"
#include "worker/comm/in_memory_rendezvous_store.h"
#include "worker/comm/rendezvous_table.h"

namespace flyover::worker {
namespace {

TEST(StoreCheckpointBarrierTest, GathersEveryRanksPayloadInRankOrder) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {"job", 3});
  StoreCheckpointBarrier barrier(&store, 3);
  std::vector<std::vector<std::string>> got(3);
  std::vector<std::thread> ranks;
  for (int r = 2; r >= 0; --r) {
    ranks.emplace_back([&, r] {
      got[r] = *barrier.AllGather("checkpoint/4/written", r, "p" + std::to_string(r),
                                  absl::Seconds(10));
    });
  }
  for (auto& t : ranks) t.join();
  for (int r = 0; r < 3; ++r) EXPECT_EQ(got[r], (std::vector<std::string>{"p0", "p1", "p2"}));
}

TEST(StoreCheckpointBarrierTest, TimesOutAndCancels) {
  RendezvousTable table;
  InMemoryRendezvousStore store(&table, {"job", 0});
  StoreCheckpointBarrier barrier(&store, 2);
  auto alone = barrier.AllGather("checkpoint/1/prepare", 0, "x", absl::Milliseconds(50));
  EXPECT_EQ(alone.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(barrier.AllGather("k", 2, "x", absl::Seconds(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(50));
    barrier.Cancel();
  });
  const absl::Time start = absl::Now();
  auto cancelled = barrier.AllGather("checkpoint/2/prepare", 0, "x", absl::Minutes(10));
  canceller.join();
  EXPECT_EQ(cancelled.status().code(), absl::StatusCode::kAborted);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace flyover::worker
