#include "scheduler/framework/framework.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "scheduler/framework/placement_context.h"
#include "scheduler/framework/testing/snapshot_builder.h"

namespace flyover::sched {
namespace {

// Places every pod on the first node that passes Filter, recording the call order.
class FirstFit final : public PlacePlugin {
 public:
  absl::string_view Name() const override { return "FirstFit"; }
  absl::StatusOr<GangPlacement> Place(PlacementContext& context) const override {
    GangPlacement placement;
    for (const PodRequest& pod : context.gang().pods) {
      size_t i = 0;
      while (i < context.node_count() && !context.Filter(pod, i).fits) ++i;
      if (i == context.node_count()) {
        return UnschedulableError("no fit: " + context.FilterSummary(pod));
      }
      const DieSet dies = *topology::ChooseDies(context.node(i).free(), pod.dies);
      context.Assume(pod, i, dies);
      placement.pods.push_back({pod.name, pod.rank_index, context.node(i).name, dies,
                                context.node(i).super_pod_id, 0});
    }
    return placement;
  }
};

class FreeDies final : public FilterPlugin {
 public:
  absl::string_view Name() const override { return "FreeDies"; }
  FilterVerdict Filter(const CycleState&, const GangRequest&, const PodRequest& pod,
                       const NodeInfo& node) const override {
    return node.free().WholeChipDies().Count() >= pod.dies
               ? FilterVerdict::Fit()
               : FilterVerdict::Reject("not enough dies");
  }
};

class Recorder final : public ReservePlugin, public PermitPlugin {
 public:
  Recorder(std::string name, std::vector<std::string>* log, bool fail_permit)
      : name_(std::move(name)), log_(log), fail_permit_(fail_permit) {}
  absl::string_view Name() const override { return name_; }
  absl::Status Reserve(CycleState&, const GangRequest&, const GangPlacement&) override {
    log_->push_back("reserve " + name_);
    return absl::OkStatus();
  }
  void Unreserve(CycleState&, const GangRequest&, const GangPlacement&) override {
    log_->push_back("unreserve " + name_);
  }
  absl::Status Permit(CycleState&, const GangRequest&, const GangPlacement&) override {
    log_->push_back("permit " + name_);
    return fail_permit_ ? absl::AbortedError("vetoed") : absl::OkStatus();
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  bool fail_permit_;
};

TEST(FrameworkTest, PlaceGangUsesFiltersThroughTheContextOverlay) {
  testing::SnapshotBuilder builder;
  builder.AddSuperPods(1, 2);
  auto registry = std::make_unique<Registry>();
  registry->Add(std::make_unique<FreeDies>());
  registry->Add(std::make_unique<FirstFit>());
  auto scheduler = Scheduler::Create(std::move(registry));
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  // Three 8-die pods: two fill the first node (the overlay shows it full), one goes on the next.
  absl::StatusOr<GangPlacement> placement =
      (*scheduler)->PlaceGang(builder.snapshot(), testing::MakeGang("g", 3, 8));
  ASSERT_TRUE(placement.ok()) << placement.status();
  EXPECT_EQ(placement->pods[0].node, placement->pods[1].node);
  EXPECT_NE(placement->pods[1].node, placement->pods[2].node);
  EXPECT_EQ(placement->gang, "default/g");
  EXPECT_EQ(placement->super_pods_spanned, 1);
  EXPECT_TRUE(builder.snapshot().node(0).WhollyFree()) << "PlaceGang must not mutate";

  absl::StatusOr<GangPlacement> too_big =
      (*scheduler)->PlaceGang(builder.snapshot(), testing::MakeGang("h", 5, 8));
  EXPECT_TRUE(IsUnschedulable(too_big.status())) << too_big.status();
  EXPECT_EQ((*scheduler)->PlaceGang(builder.snapshot(), testing::MakeGang("i", 2, 3)).status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(FrameworkTest, FilterSummaryCountsReasons) {
  testing::SnapshotBuilder builder;
  builder.AddSuperPods(1, 3).OccupyWhole("sp0-n0").OccupyWhole("sp0-n1").OccupyWhole("sp0-n2");
  auto registry = std::make_unique<Registry>();
  registry->Add(std::make_unique<FreeDies>());
  registry->Add(std::make_unique<FirstFit>());
  auto scheduler = Scheduler::Create(std::move(registry));
  ASSERT_TRUE(scheduler.ok());
  auto placement = (*scheduler)->PlaceGang(builder.snapshot(), testing::MakeGang("g", 1, 2));
  EXPECT_EQ(placement.status().message(), "no fit: 3 not enough dies");
}

TEST(FrameworkTest, CommitUnreservesInReverseWhenPermitFails) {
  std::vector<std::string> log;
  auto registry = std::make_unique<Registry>();
  registry->Add(std::make_unique<FirstFit>());
  registry->Add(std::make_unique<Recorder>("a", &log, false));
  registry->Add(std::make_unique<Recorder>("b", &log, true));
  auto scheduler = Scheduler::Create(std::move(registry));
  ASSERT_TRUE(scheduler.ok());
  absl::Status status = (*scheduler)->Commit(testing::MakeGang("g", 1, 2), GangPlacement{});
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(status.message(), "permit b: vetoed");
  EXPECT_EQ(log, (std::vector<std::string>{"reserve a", "reserve b", "permit a", "permit b",
                                           "unreserve b", "unreserve a"}));
}

TEST(FrameworkTest, RegistryRejectsTwoPlacePluginsAndSchedulerNeedsOne) {
  auto two = std::make_unique<Registry>();
  two->Add(std::make_unique<FirstFit>());
  two->Add(std::make_unique<FirstFit>());
  EXPECT_EQ(Scheduler::Create(std::move(two)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Scheduler::Create(std::make_unique<Registry>()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(FrameworkTest, DefaultQueueOrderIsPriorityThenAge) {
  auto registry = std::make_unique<Registry>();
  registry->Add(std::make_unique<FirstFit>());
  auto scheduler = Scheduler::Create(std::move(registry));
  ASSERT_TRUE(scheduler.ok());
  GangRequest old_low = testing::MakeGang("a", 1, 2);
  old_low.creation_time = absl::FromUnixSeconds(1);
  GangRequest new_low = testing::MakeGang("b", 1, 2);
  new_low.creation_time = absl::FromUnixSeconds(2);
  GangRequest new_high = new_low;
  new_high.priority = 5;
  EXPECT_TRUE((*scheduler)->Less(old_low, new_low));
  EXPECT_TRUE((*scheduler)->Less(new_high, old_low));
  EXPECT_FALSE((*scheduler)->Less(new_low, old_low));
}

}  // namespace
}  // namespace flyover::sched
