#include "operator/supervision/supervision_registry.h"

#include <limits>
#include <thread>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "operator/job_resources.h"
#include "operator/supervision/fault_detector.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

class SupervisionRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.RegisterJob("default.tiny",
                          {.token = "t", .generation = 2, .pods = {"tiny-0-g2", "tiny-1-g2"}});
  }
  absl::StatusOr<std::vector<Command>> Beat(int32_t rank, const std::string& state, int64_t step,
                                            int32_t generation = 2) {
    return registry_.RecordHeartbeat(
        "default.tiny",
        testing::HeartbeatOf(PodName("tiny", rank, generation), rank, generation, 2, state, step));
  }

  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  SupervisionRegistry registry_{&clock_};
};

TEST_F(SupervisionRegistryTest, HeartbeatsAreCheckedAgainstTheJobsGeneration) {
  EXPECT_TRUE(Beat(0, kRankRunning, 1).ok());
  EXPECT_TRUE(absl::IsAborted(Beat(0, kRankRunning, 1, /*generation=*/1).status()));
  EXPECT_THAT(Beat(0, kRankRunning, 1, 3).status().message(), HasSubstr("generation: 3 is newer"));
  EXPECT_THAT(registry_
                  .RecordHeartbeat("default.tiny",
                                   testing::HeartbeatOf("tiny-1-g2", 0, 2, 2, kRankRunning, 1))
                  .status()
                  .message(),
              HasSubstr("pod: \"tiny-1-g2\" with rankIndex 0 is not a pod"));
  EXPECT_TRUE(absl::IsNotFound(registry_.RecordHeartbeat("default.other", {}).status()));
}

TEST_F(SupervisionRegistryTest, ASupersededPodGetsItsRestartCommandInsteadOfAConflict) {
  // In place: the pods keep their names and move to generation 3 by command.
  registry_.RegisterJob("default.tiny",
                        {.token = "t", .generation = 3, .pods = {"tiny-0-g2", "tiny-1-g2"}});
  ASSERT_TRUE(registry_
                  .AddCommand("default.tiny", "tiny-0-g2",
                              {.kind = kCommandRestartInPlace, .generation = 3})
                  .ok());
  absl::StatusOr<std::vector<Command>> commands = Beat(0, kRankRunning, 7, /*generation=*/2);
  ASSERT_TRUE(commands.ok()) << commands.status();
  ASSERT_THAT(*commands, SizeIs(1));
  EXPECT_EQ((*commands)[0].kind, kCommandRestartInPlace);
  EXPECT_EQ((*commands)[0].generation, 3);
  EXPECT_TRUE(registry_.Progress("default.tiny")->heartbeats.empty());  // not recorded
  EXPECT_TRUE(absl::IsAborted(Beat(1, kRankRunning, 7, /*generation=*/2).status()));
  ASSERT_TRUE(registry_
                  .AddCommand("default.tiny", "tiny-1-g2",
                              {.kind = kCommandCheckpointNow, .generation = 3})
                  .ok());
  EXPECT_TRUE(absl::IsAborted(Beat(1, kRankRunning, 7, /*generation=*/2).status()));
}

TEST_F(SupervisionRegistryTest, TheBaselineStepIsTheFirstRunningStepOfTheGeneration) {
  ASSERT_TRUE(Beat(0, kRankStarting, 0).ok());
  EXPECT_FALSE(registry_.Progress("default.tiny")->heartbeats["tiny-0-g2"].baseline_step);
  ASSERT_TRUE(Beat(0, kRankRunning, 40).ok());
  ASSERT_TRUE(Beat(0, kRankRunning, 41).ok());
  const PodProgress seen = registry_.Progress("default.tiny")->heartbeats["tiny-0-g2"];
  EXPECT_EQ(seen.baseline_step, 40);
  EXPECT_EQ(seen.step, 41);
}

TEST_F(SupervisionRegistryTest, ARankStillStartingDoesNotPullTheBaselineToZero) {
  // After an in-place restart one rank resumed at step 301 while its pod's other rank has
  // not reported a step yet: the pod resumed at 301, not at 0.
  Heartbeat heartbeat = testing::HeartbeatOf("tiny-0-g2", 0, 2, 2, kRankRunning, 301);
  heartbeat.ranks[1].state = kRankStarting;
  heartbeat.ranks[1].step = 0;
  ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", heartbeat).ok());
  EXPECT_EQ(registry_.Progress("default.tiny")->heartbeats["tiny-0-g2"].baseline_step, 301);
  heartbeat.ranks[1].state = kRankRunning;
  heartbeat.ranks[1].step = 300;  // the slower rank's first step: the pod resumed at 300
  ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", heartbeat).ok());
  EXPECT_EQ(registry_.Progress("default.tiny")->heartbeats["tiny-0-g2"].baseline_step, 300);
}

TEST_F(SupervisionRegistryTest, CommandsAreReturnedToTheirPodUntilTheyExpire) {
  absl::StatusOr<std::string> id =
      registry_.AddCommand("default.tiny", "tiny-1-g2",
                           {.kind = kCommandCheckpointNow, .generation = 2}, absl::Seconds(5));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "c-1");
  EXPECT_THAT(Beat(0, kRankRunning, 1).value(), SizeIs(0));
  ASSERT_THAT(Beat(1, kRankRunning, 1).value(), SizeIs(1));
  EXPECT_EQ(Beat(1, kRankRunning, 2).value()[0].kind, kCommandCheckpointNow);
  clock_.Advance(absl::Seconds(5));
  EXPECT_THAT(Beat(1, kRankRunning, 3).value(), SizeIs(0));
  EXPECT_TRUE(absl::IsNotFound(registry_.AddCommand("default.tiny", "nope", {}).status()));
}

TEST_F(SupervisionRegistryTest, RankTableLongPollWakesWhenPublished) {
  EXPECT_TRUE(absl::IsNotFound(registry_.AwaitRankTable("default.tiny", clock_.Now()).status()));
  std::thread publisher([&] {
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
    registry_.PublishRankTable("default.tiny", 1, {{"stale", true}});  // ignored: old generation
    registry_.PublishRankTable("default.tiny", 2, {{"status", "completed"}});
  });
  absl::StatusOr<nlohmann::json> table =
      registry_.AwaitRankTable("default.tiny", clock_.Now() + absl::Seconds(30));
  publisher.join();
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ((*table)["status"], "completed");
  registry_.RegisterJob("default.tiny", {.token = "t", .generation = 3, .pods = {"a", "b"}});
  EXPECT_FALSE(registry_.Progress("default.tiny")->rank_table.has_value());
}

TEST_F(SupervisionRegistryTest, HeartbeatFaultsAreRecordedOnceAndNotified) {
  std::vector<std::string> notified;
  registry_.SetListener([&](const std::string& job) { notified.push_back(job); });
  Heartbeat sick = testing::HeartbeatOf("tiny-0-g2", 0, 2, 2, kRankRunning, 5);
  sick.health = "Unhealthy";
  sick.ranks[1].loss = std::numeric_limits<double>::quiet_NaN();
  sick.ranks[1].loss_is_nan = true;
  ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", sick).ok());
  ASSERT_TRUE(registry_.RecordHeartbeat("default.tiny", sick).ok());
  std::vector<std::string> classes;
  for (const kube::FaultRecord& fault : registry_.Faults("default.tiny"))
    classes.push_back(fault.fault_class);
  EXPECT_THAT(classes, ElementsAre("NaNLoss", "DeviceFault"));
  EXPECT_EQ(registry_.Faults("default.tiny")[0].rank, 1);
  EXPECT_THAT(notified, SizeIs(2));
}

TEST_F(SupervisionRegistryTest, HangNeedsNoProgressForTheThreshold) {
  kube::FaultToleranceSpec spec;
  spec.hang_timeout_seconds = 5;
  spec.heartbeat_timeout_seconds = 100;
  ASSERT_TRUE(Beat(0, kRankRunning, 7).ok());
  clock_.Advance(absl::Seconds(4));
  ASSERT_TRUE(Beat(0, kRankRunning, 7).ok());
  EXPECT_THAT(StallFaults(*registry_.Progress("default.tiny"), spec, clock_.Now()), SizeIs(0));
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(Beat(0, kRankRunning, 7).ok());
  std::vector<kube::FaultRecord> hang =
      StallFaults(*registry_.Progress("default.tiny"), spec, clock_.Now());
  ASSERT_THAT(hang, SizeIs(1));
  EXPECT_EQ(hang[0].fault_class, "Hang");
  EXPECT_THAT(hang[0].message, HasSubstr("step 7"));
  ASSERT_TRUE(Beat(0, kRankRunning, 8).ok());  // progress resets it
  EXPECT_THAT(StallFaults(*registry_.Progress("default.tiny"), spec, clock_.Now()), SizeIs(0));
}

TEST(FaultDetectorTest, HangThresholdIsTheLongerOfFloorAndStepMultiple) {
  kube::FaultToleranceSpec spec;
  spec.hang_timeout_seconds = 60;
  EXPECT_EQ(HangThreshold({}, spec), absl::Seconds(60));
  EXPECT_EQ(HangThreshold({100, 9000, 9000}, spec), absl::Seconds(90));  // median 9 s x 10
  EXPECT_EQ(HangThreshold({100, 200, 50000}, spec), absl::Seconds(60));
}

TEST(FaultDetectorTest, ExitedRankWithoutEventIsARankExit) {
  Heartbeat heartbeat = testing::HeartbeatOf("p", 0, 0, 2, kRankRunning, 3);
  heartbeat.ranks[0].state = kRankExited;
  heartbeat.ranks[0].exit_code = 1;
  heartbeat.ranks[1].state = kRankExited;  // exit code 0: not a fault
  heartbeat.ranks[1].exit_code = 0;
  std::vector<kube::FaultRecord> faults = FaultsInHeartbeat(heartbeat, absl::UnixEpoch());
  ASSERT_THAT(faults, SizeIs(1));
  EXPECT_EQ(faults[0].fault_class, "RankExit");
  EXPECT_THAT(faults[0].message, HasSubstr("exit code 1"));
}

TEST(FaultDetectorTest, CleanExitEventIsNotAFault) {
  Heartbeat heartbeat = testing::HeartbeatOf("p", 0, 0, 2, kRankSucceeded, 100);
  heartbeat.events.push_back({.type = "RankExit", .rank = 0, .exit_code = 0});
  heartbeat.events.push_back({.type = "RankExit", .rank = 1, .exit_code = 0, .signal = 9});
  std::vector<kube::FaultRecord> faults = FaultsInHeartbeat(heartbeat, absl::UnixEpoch());
  ASSERT_THAT(faults, SizeIs(1));
  EXPECT_EQ(faults[0].rank, 1);
}

}  // namespace
}  // namespace flyover::op
