#include "worker/agent/local_supervisor.h"

#include "gtest/gtest.h"

namespace flyover::worker {
namespace {

Heartbeat Beat(int pod, int64_t generation, std::optional<int64_t> checkpoint,
               std::optional<int> failed_exit = std::nullopt) {
  Heartbeat heartbeat{.pod = "pod", .rank_index = pod, .generation = generation,
                      .last_checkpoint_step = checkpoint};
  if (failed_exit) heartbeat.events.push_back({.rank = pod, .exit_code = *failed_exit});
  return heartbeat;
}

TEST(LocalSupervisorTest, ServesTheTableAndRestartsEveryPodOnAFailure) {
  LocalSupervisor supervisor("TABLE", 2, 3);
  EXPECT_EQ(*supervisor.ClientFor(1).FetchRankTable(absl::ZeroDuration()), "TABLE");
  EXPECT_TRUE(supervisor.ClientFor(0).SendHeartbeat(Beat(0, 0, 20))->empty());
  EXPECT_TRUE(supervisor.ClientFor(1).SendHeartbeat(Beat(1, 0, 10))->empty());
  absl::StatusOr<std::vector<Command>> to_pod1 =
      supervisor.ClientFor(1).SendHeartbeat(Beat(1, 0, 10, 137));
  ASSERT_TRUE(to_pod1.ok());
  ASSERT_EQ(to_pod1->size(), 1u);
  EXPECT_EQ((*to_pod1)[0].kind, CommandKind::kRestartInPlace);
  EXPECT_EQ((*to_pod1)[0].generation, 1);
  EXPECT_EQ((*to_pod1)[0].resume_step, 10);  // the oldest checkpoint any pod reported
  // The other pod's failure in the old generation does not restart again.
  absl::StatusOr<std::vector<Command>> to_pod0 =
      supervisor.ClientFor(0).SendHeartbeat(Beat(0, 0, 20, 3));
  ASSERT_EQ(to_pod0->size(), 1u);
  EXPECT_EQ((*to_pod0)[0].id, (*to_pod1)[0].id);
  EXPECT_EQ(supervisor.restarts(), 1);
  EXPECT_EQ(supervisor.generation(), 1);
  EXPECT_TRUE(supervisor.ClientFor(0).SendHeartbeat(Beat(0, 1, 20))->empty());
}

TEST(LocalSupervisorTest, StopsRestartingAfterTheLimitAndResumesNewestWithoutCheckpoints) {
  LocalSupervisor supervisor("TABLE", 1, 1);
  auto first = supervisor.ClientFor(0).SendHeartbeat(Beat(0, 0, std::nullopt, 1));
  ASSERT_EQ(first->size(), 1u);
  EXPECT_FALSE((*first)[0].resume_step.has_value());
  EXPECT_TRUE(supervisor.ClientFor(0).SendHeartbeat(Beat(0, 1, std::nullopt, 1))->empty());
  EXPECT_EQ(supervisor.restarts(), 1);
}

TEST(LocalSupervisorTest, WithReplicasTheRestartNamesNoStep) {
  LocalSupervisor supervisor("TABLE", 2, 3, /*resume_newest=*/true);
  EXPECT_TRUE(supervisor.ClientFor(0).SendHeartbeat(Beat(0, 0, 20))->empty());
  auto restart = supervisor.ClientFor(1).SendHeartbeat(Beat(1, 0, 10, 137));
  ASSERT_TRUE(restart.ok());
  ASSERT_EQ(restart->size(), 1u);
  EXPECT_EQ((*restart)[0].kind, CommandKind::kRestartInPlace);
  EXPECT_FALSE((*restart)[0].resume_step.has_value());  // newest complete state
}

}  // namespace
}  // namespace flyover::worker
