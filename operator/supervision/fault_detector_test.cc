// Straggler detection (fault_detector.h): a sustained outlier fires once per episode; noise
// below the floor and short blips do not.
#include "operator/supervision/fault_detector.h"

#include <string>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/supervision/supervision_registry.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// Four pods of one rank each; rank 3 steps in `slow_millis`, the others in `millis`.
class StragglerTest : public ::testing::Test {
 protected:
  Heartbeat BeatOf(int32_t rank, double millis) {
    Heartbeat beat = testing::HeartbeatOf(PodName(rank), rank, 0, 1, kRankRunning, step_);
    beat.ranks[0].step_millis = millis;
    return beat;
  }

  static std::string PodName(int32_t rank) { return "tiny-" + std::to_string(rank) + "-g0"; }

  // One heartbeat round: every pod reports; returns the faults of rank 3's heartbeat.
  std::vector<kube::FaultRecord> Round(double millis, double slow_millis) {
    ++step_;
    now_ += absl::Seconds(1);
    for (int32_t rank = 0; rank < 3; ++rank) {
      Heartbeat beat = BeatOf(rank, millis + rank * 0.5);
      progress_.heartbeats[beat.pod].last = beat;
      EXPECT_THAT(StragglerFaults(progress_, beat, options_, &state_, now_), IsEmpty());
    }
    Heartbeat slow = BeatOf(3, slow_millis);
    progress_.heartbeats[slow.pod].last = slow;
    return StragglerFaults(progress_, slow, options_, &state_, now_);
  }

  StragglerOptions options_{.ratio = 1.5, .floor = absl::Milliseconds(50),
                            .sustained_heartbeats = 3};
  StragglerState state_;
  JobProgress progress_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
  int64_t step_ = 10;
};

TEST_F(StragglerTest, ASustainedOutlierFiresOnceWithItsPlaceAndEpisodeStart) {
  EXPECT_THAT(Round(100, 400), IsEmpty());
  EXPECT_THAT(Round(100, 400), IsEmpty());
  std::vector<kube::FaultRecord> faults = Round(100, 400);
  ASSERT_THAT(faults, SizeIs(1));
  EXPECT_EQ(faults[0].fault_class, kFaultStraggler);
  EXPECT_EQ(faults[0].pod, "tiny-3-g0");
  EXPECT_EQ(faults[0].rank, 3);
  EXPECT_EQ(faults[0].detected_at, now_);
  EXPECT_EQ(faults[0].detection_millis, 2000);  // the episode began two heartbeats earlier
  EXPECT_THAT(faults[0].message, HasSubstr("x the median"));
  for (int i = 0; i < 5; ++i) EXPECT_THAT(Round(100, 400), IsEmpty());  // same episode
}

TEST_F(StragglerTest, ANewEpisodeAfterRecoveringFiresAgain) {
  for (int i = 0; i < 3; ++i) (void)Round(100, 400);
  EXPECT_THAT(Round(100, 110), IsEmpty());  // back in line: the episode ends
  EXPECT_THAT(Round(100, 400), IsEmpty());
  EXPECT_THAT(Round(100, 400), IsEmpty());
  EXPECT_THAT(Round(100, 400), SizeIs(1));
}

TEST_F(StragglerTest, MillisecondNoiseBelowTheFloorNeverFires) {
  for (int i = 0; i < 10; ++i) EXPECT_THAT(Round(2, 9), IsEmpty());  // 4.5x, but 7 ms
}

TEST_F(StragglerTest, ShortBlipsAndModestSlownessDoNotFire) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_THAT(Round(100, 400), IsEmpty());  // two outlier heartbeats, then one in line
    EXPECT_THAT(Round(100, 400), IsEmpty());
    EXPECT_THAT(Round(100, 120), IsEmpty());
  }
  for (int i = 0; i < 10; ++i) EXPECT_THAT(Round(100, 140), IsEmpty());  // 1.4x
}

TEST_F(StragglerTest, RanksNotRunningOrAloneAreNotJudged) {
  Heartbeat alone = BeatOf(0, 500);
  progress_.heartbeats[alone.pod].last = alone;
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(StragglerFaults(progress_, alone, options_, &state_, now_), IsEmpty());
  }
}

TEST(StragglerRegistryTest, TheRegistryRecordsEachEpisodeOnceAndNoOtherFault) {
  FakeClock clock(absl::FromUnixSeconds(1795000000));
  SupervisionRegistry registry(&clock, {.sustained_heartbeats = 2});
  registry.RegisterJob("default.tiny",
                       {.token = "t", .generation = 0, .pods = {"tiny-0-g0", "tiny-1-g0"}});
  auto beat = [&](int32_t rank, double millis) {
    Heartbeat heartbeat = testing::HeartbeatOf("tiny-" + std::to_string(rank) + "-g0", rank, 0,
                                               2, kRankRunning, 10);
    heartbeat.ranks[1].step_millis = millis;  // the pod's second rank
    ASSERT_TRUE(registry.RecordHeartbeat("default.tiny", heartbeat).ok());
  };
  for (int i = 0; i < 6; ++i) {
    clock.Advance(absl::Seconds(1));
    beat(0, 40);
    beat(1, 300);  // global rank 3
  }
  std::vector<kube::FaultRecord> faults = registry.Faults("default.tiny");
  ASSERT_THAT(faults, SizeIs(1));
  EXPECT_EQ(faults[0].fault_class, kFaultStraggler);
  EXPECT_EQ(faults[0].rank, 3);
  clock.Advance(absl::Seconds(1));
  beat(1, 40);  // the episode ends; a later one is a new fault
  for (int i = 0; i < 2; ++i) {
    clock.Advance(absl::Seconds(1));
    beat(1, 300);
  }
  EXPECT_THAT(registry.Faults("default.tiny"), SizeIs(2));
}

}  // namespace
}  // namespace flyover::op
