#include "scheduler/scheduler_metrics.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "prometheus/text_serializer.h"
#include "scheduler/cache/node_info.h"
#include "scheduler/cache/testing/objects.h"

namespace flyover::sched {
namespace {

TEST(FragmentedFreeDiesTest, CountsFreeDiesOfPartlyUsedSuperPodsOnly) {
  ClusterSnapshot snapshot;
  for (int sp = 0; sp < 3; ++sp) {
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(
          snapshot
              .UpsertNode(*ParseNodeInfo(
                  testing::Pack(testing::MakeNode(absl::StrCat("sp", sp, "-n", i), sp, i))->view()))
              .ok());
    }
  }
  PlacedPod pod{.pod_namespace = "ml",
                .name = "a",
                .node = "sp1-n0",
                .dies = topology::DieSet::FromMask(0x000F)};
  ASSERT_TRUE(snapshot.Assume(pod).ok());
  pod.name = "b";
  pod.node = "sp2-n0";
  pod.dies = topology::DieSet::All();
  ASSERT_TRUE(snapshot.Assume(pod).ok());
  pod.name = "c";
  pod.node = "sp2-n1";
  ASSERT_TRUE(snapshot.Assume(pod).ok());
  // sp0 untouched, sp2 full: neither counts. sp1: 12 + 16 free dies.
  EXPECT_EQ(FragmentedFreeDies(snapshot), 28);
}

TEST(SchedulerMetricsTest, ExportsEveryFamilyFromTheStart) {
  auto registry = std::make_shared<prometheus::Registry>();
  SchedulerMetrics metrics(registry);
  metrics.CountAttempt("unschedulable");
  metrics.ObservePlacement(absl::Milliseconds(3),
                           GangPlacement{.super_pods_spanned = 3, .lower_bound_super_pods = 2});
  metrics.SetFragmentedFreeDies(28);
  const std::string text = prometheus::TextSerializer().Serialize(registry->Collect());
  for (const char* line : {"flyover_scheduler_schedule_attempts_total{result=\"unschedulable\"} 1",
                           "flyover_scheduler_schedule_attempts_total{result=\"bind_error\"} 0",
                           "flyover_scheduler_fragmented_free_dies 28",
                           "flyover_scheduler_gang_super_pods_over_lower_bound_total 1",
                           "flyover_scheduler_gang_super_pods_spanned_count 1",
                           "flyover_scheduler_unschedulable_gangs 0"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
}

}  // namespace
}  // namespace flyover::sched
