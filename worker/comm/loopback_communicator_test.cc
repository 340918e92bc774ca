// Failure semantics of LoopbackCommunicator, on a FakeClock so that timeouts are hermetic.
#include "worker/comm/loopback_communicator.h"

#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

std::vector<std::unique_ptr<LoopbackCommunicator>> Group(int size, Clock* clock) {
  auto group = LoopbackCommunicator::CreateGroup(
      {.size = size, .default_timeout = absl::Seconds(10), .clock = clock});
  EXPECT_TRUE(group.ok()) << group.status();
  return std::move(*group);
}

TEST(LoopbackCommunicatorTest, CreateGroupRejectsBadOptions) {
  EXPECT_EQ(LoopbackCommunicator::CreateGroup({.size = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoopbackCommunicator::CreateGroup({.size = 2, .default_timeout = absl::ZeroDuration()})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoopbackCommunicatorTest, RanksAndSizeAreAssignedInOrder) {
  FakeClock clock;
  auto comms = Group(3, &clock);
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(comms[r]->rank(), r);
    EXPECT_EQ(comms[r]->size(), 3);
    EXPECT_EQ(comms[r]->default_timeout(), absl::Seconds(10));
  }
}

TEST(LoopbackCommunicatorTest, PeerThatNeverJoinsTimesOutEveryWaiterThenBreaksTheGroup) {
  FakeClock clock;
  auto comms = Group(3, &clock);
  absl::Status status[2];
  std::vector<float> data[2] = {std::vector<float>(8, 1.0f), std::vector<float>(8, 2.0f)};
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] { status[r] = comms[r]->AllReduce(absl::MakeSpan(data[r])); });
  }
  ASSERT_TRUE(clock.BlockUntilWaiters(2));
  clock.Advance(absl::Seconds(10));
  for (std::thread& rank : ranks) rank.join();
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(status[r].code(), absl::StatusCode::kDeadlineExceeded) << status[r];
    EXPECT_THAT(status[r].message(), HasSubstr("ranks [2]"));
  }
  std::vector<float> late(8, 3.0f);
  EXPECT_EQ(comms[2]->AllReduce(absl::MakeSpan(late)).code(), absl::StatusCode::kAborted);
  EXPECT_EQ(comms[0]->Barrier().code(), absl::StatusCode::kAborted);
}

TEST(LoopbackCommunicatorTest, PerCallTimeoutOverridesTheDefault) {
  FakeClock clock;
  auto comms = Group(2, &clock);
  absl::Status status;
  std::thread rank0([&] { status = comms[0]->Barrier({.timeout = absl::Seconds(1)}); });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Seconds(1));  // a tenth of the default
  rank0.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(LoopbackCommunicatorTest, PeerThatDiesMidCollectiveAbortsTheOthers) {
  FakeClock clock;
  auto comms = Group(3, &clock);
  absl::Status status[2];
  std::vector<std::thread> ranks;
  for (int r = 0; r < 2; ++r) ranks.emplace_back([&, r] { status[r] = comms[r]->Barrier(); });
  ASSERT_TRUE(clock.BlockUntilWaiters(2));
  comms[2].reset();  // rank 2's process dies
  for (std::thread& rank : ranks) rank.join();
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(status[r].code(), absl::StatusCode::kAborted) << status[r];
    EXPECT_THAT(status[r].message(), HasSubstr("rank 2 left"));
  }
}

TEST(LoopbackCommunicatorTest, MismatchedCallsFailOnEveryRank) {
  auto comms = Group(2, RealClock());
  absl::Status status[2];
  std::vector<float> a(4, 1.0f), b(5, 1.0f);
  std::thread rank0([&] { status[0] = comms[0]->AllReduce(absl::MakeSpan(a)); });
  std::thread rank1([&] { status[1] = comms[1]->AllReduce(absl::MakeSpan(b)); });
  rank0.join();
  rank1.join();
  for (const absl::Status& s : status) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(s.message(), HasSubstr("differs between ranks"));
  }
}

TEST(LoopbackCommunicatorTest, CompletedCollectiveIsUnaffectedByALaterDeparture) {
  auto comms = Group(2, RealClock());
  std::vector<float> data[2] = {{1.0f, 2.0f}, {10.0f, 20.0f}};
  std::vector<std::thread> ranks;
  absl::Status status[2];
  for (int r = 0; r < 2; ++r) {
    ranks.emplace_back([&, r] {
      status[r] = comms[r]->AllReduce(absl::MakeSpan(data[r]));
      if (r == 1) comms[1].reset();  // leaves as soon as its own call returns
    });
  }
  for (std::thread& rank : ranks) rank.join();
  EXPECT_TRUE(status[0].ok()) << status[0];
  EXPECT_TRUE(status[1].ok()) << status[1];
  EXPECT_EQ(data[0], (std::vector<float>{11.0f, 22.0f}));
  EXPECT_EQ(comms[0]->Barrier().code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace flyover::worker
