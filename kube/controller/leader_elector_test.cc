// LeaseLeaderElector on a FakeLeaseLock and a FakeClock: the client-go algorithm step by
// step, without an API server.
#include "kube/controller/leader_elector.h"

#include <functional>
#include <memory>
#include <utility>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/controller/testing/elector_runner.h"
#include "kube/controller/testing/fake_lease_lock.h"

namespace flyover::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Runs `after_first_get` right after the first Get(), to interleave another candidate's write.
class HookedLeaseLock final : public LeaseLock {
 public:
  HookedLeaseLock(std::unique_ptr<LeaseLock> inner, std::function<void()> after_first_get)
      : inner_(std::move(inner)), hook_(std::move(after_first_get)) {}
  absl::StatusOr<LeaderElectionRecord> Get() override {
    absl::StatusOr<LeaderElectionRecord> record = inner_->Get();
    if (hook_) std::exchange(hook_, nullptr)();
    return record;
  }
  absl::Status Create(const LeaderElectionRecord& r) override { return inner_->Create(r); }
  absl::Status Update(const LeaderElectionRecord& r) override { return inner_->Update(r); }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<LeaseLock> inner_;
  std::function<void()> hook_;
};

class LeaderElectorTest : public ::testing::Test {
 protected:
  LeaderElectionConfig Config(const std::string& identity) {
    return {.identity = identity, .jitter_factor = 0, .clock = &clock_, .registry = registry_};
  }

  std::unique_ptr<LeaseLeaderElector> Elector(const std::string& identity,
                                              std::function<void()> after_first_get = nullptr) {
    std::unique_ptr<LeaseLock> lock = std::make_unique<FakeLeaseLock>(store_);
    if (after_first_get) {
      lock = std::make_unique<HookedLeaseLock>(std::move(lock), std::move(after_first_get));
    }
    auto elector = LeaseLeaderElector::Create(std::move(lock), Config(identity));
    EXPECT_TRUE(elector.ok()) << elector.status();
    return elector.ok() ? *std::move(elector) : nullptr;
  }

  // Waits until the candidates are idle on the clock, then moves it on.
  void Step(int waiters = 1, absl::Duration by = absl::Seconds(2)) {
    ASSERT_TRUE(clock_.BlockUntilWaiters(waiters));
    clock_.Advance(by);
  }

  LeaderElectionRecord HeldBy(const std::string& identity, absl::Time renewed,
                              int64_t transitions = 0) {
    return {.holder_identity = identity, .lease_duration_seconds = 15,
            .acquire_time = renewed, .renew_time = renewed, .leader_transitions = transitions};
  }

  double Status() {
    return MetricValue(*registry_, "flyover_leader_election_status",
                       {{"name", "default/fake-lease"}}).value_or(-1);
  }

  FakeClock clock_;
  std::shared_ptr<FakeLeaseStore> store_ = std::make_shared<FakeLeaseStore>();
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(LeaderElectorTest, RejectsInconsistentTimings) {
  auto lock = [&] { return std::make_unique<FakeLeaseLock>(store_); };
  LeaderElectionConfig config = Config("a");
  config.renew_deadline = absl::Seconds(15);
  auto elector = LeaseLeaderElector::Create(lock(), config);
  EXPECT_TRUE(absl::IsInvalidArgument(elector.status()));
  EXPECT_THAT(elector.status().message(), HasSubstr("lease_duration"));

  config = Config("a");
  config.jitter_factor = 5;  // 2 s * 5 > 10 s
  EXPECT_THAT(LeaseLeaderElector::Create(lock(), config).status().message(),
              HasSubstr("renew_deadline"));
  EXPECT_THAT(LeaseLeaderElector::Create(lock(), Config("")).status().message(),
              HasSubstr("identity"));
  EXPECT_THAT(LeaseLeaderElector::Create(nullptr, Config("a")).status().message(),
              HasSubstr("lock"));
}

TEST_F(LeaderElectorTest, CreatesTheLeaseAndReleasesItOnStop) {
  const absl::Time t0 = clock_.Now();
  auto a = Elector("a");
  EXPECT_EQ(Status(), 0);
  ElectorRunner run(a.get());
  ASSERT_TRUE(run.WaitStartedLeading());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_TRUE(a->IsLeader());
  EXPECT_EQ(a->Leader(), "a");
  EXPECT_EQ(store_->record(), HeldBy("a", t0));
  EXPECT_EQ(Status(), 1);

  run.Stop();
  EXPECT_TRUE(run.result().ok()) << run.result();
  EXPECT_TRUE(run.stopped_leading());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(Status(), 0);
  LeaderElectionRecord released = *store_->record();
  EXPECT_EQ(released.holder_identity, "");
  EXPECT_EQ(released.lease_duration_seconds, 1);
  EXPECT_EQ(released.leader_transitions, 0);
  EXPECT_THAT(run.leaders_observed(), ElementsAre("a"));
}

TEST_F(LeaderElectorTest, RenewalKeepsAcquireTimeAndTransitions) {
  const absl::Time t0 = clock_.Now();
  auto a = Elector("a");
  ElectorRunner run(a.get());
  ASSERT_TRUE(run.WaitStartedLeading());
  Step();
  Step();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  LeaderElectionRecord record = *store_->record();
  EXPECT_EQ(record.acquire_time, t0);
  EXPECT_EQ(record.renew_time, t0 + absl::Seconds(4));
  EXPECT_EQ(record.leader_transitions, 0);
  // As client-go: a renewal right after acquiring, then one per retry period.
  EXPECT_EQ(store_->updates(), 3);
}

TEST_F(LeaderElectorTest, WaitsUntilAnotherHoldersLeaseExpiresByItsOwnClock) {
  const absl::Time t0 = clock_.Now();
  // The holder's times are far in the past: only the local observation counts.
  store_->Set(HeldBy("other", t0 - absl::Hours(5), /*transitions=*/2));
  auto b = Elector("b");
  ElectorRunner run(b.get());
  for (int i = 0; i < 7; ++i) Step();  // t0 + 14 s: not yet expired
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_FALSE(run.started_leading());
  EXPECT_EQ(b->Leader(), "other");
  EXPECT_EQ(store_->record()->holder_identity, "other");

  Step();  // t0 + 16 s
  ASSERT_TRUE(run.WaitStartedLeading());
  EXPECT_EQ(store_->record(), HeldBy("b", t0 + absl::Seconds(16), /*transitions=*/3));
  EXPECT_THAT(run.leaders_observed(), ElementsAre("other", "b"));
}

TEST_F(LeaderElectorTest, AHolderThatKeepsRenewingKeepsTheLease) {
  store_->Set(HeldBy("other", clock_.Now()));
  auto b = Elector("b");
  ElectorRunner run(b.get());
  for (int i = 0; i < 15; ++i) {  // 30 s, twice the lease duration
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
    store_->Set(HeldBy("other", clock_.Now()));
    clock_.Advance(absl::Seconds(2));
  }
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_FALSE(run.started_leading());
  EXPECT_FALSE(b->IsLeader());
}

TEST_F(LeaderElectorTest, AReleasedLeaseIsTakenAtOnce) {
  LeaderElectionRecord released{.holder_identity = "", .lease_duration_seconds = 1,
                                .leader_transitions = 4};
  store_->Set(released);
  auto b = Elector("b");
  ElectorRunner run(b.get());
  ASSERT_TRUE(run.WaitStartedLeading());
  EXPECT_EQ(store_->record()->holder_identity, "b");
  EXPECT_EQ(store_->record()->leader_transitions, 5);
}

TEST_F(LeaderElectorTest, RenewalFailingPastTheDeadlineLosesLeadership) {
  const absl::Time t0 = clock_.Now();
  auto a = Elector("a");
  ElectorRunner run(a.get());
  ASSERT_TRUE(run.WaitStartedLeading());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));  // renewed once, waiting for the next period
  store_->FailCalls(absl::UnavailableError("apiserver unreachable"));
  // Attempts at t0+2, +4, +6, +8, +10 fail; the deadline (t0+12) passes on the sixth step.
  for (int i = 0; i < 6; ++i) {
    EXPECT_FALSE(run.finished());
    Step();
  }
  ASSERT_TRUE(run.WaitFinished());
  EXPECT_TRUE(absl::IsAborted(run.result())) << run.result();
  EXPECT_THAT(run.result().message(), HasSubstr("not renewed within 10s"));
  EXPECT_TRUE(run.stopped_leading());
  EXPECT_FALSE(a->IsLeader());
  EXPECT_EQ(Status(), 0);
  // It gave up before the lease could expire for the others.
  EXPECT_LT(clock_.Now() - t0, absl::Seconds(15));
}

TEST_F(LeaderElectorTest, ATransientRenewalFailureKeepsLeadership) {
  const absl::Time t0 = clock_.Now();
  auto a = Elector("a");
  ElectorRunner run(a.get());
  ASSERT_TRUE(run.WaitStartedLeading());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  store_->FailCalls(absl::UnavailableError("blip"), 2);
  for (int i = 0; i < 3; ++i) Step();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_TRUE(a->IsLeader());
  EXPECT_EQ(store_->record()->renew_time, t0 + absl::Seconds(6));
  EXPECT_FALSE(run.stopped_leading());
}

TEST_F(LeaderElectorTest, AConflictingUpdateMeansAnotherCandidateWon) {
  store_->Set({.holder_identity = "", .lease_duration_seconds = 1});
  auto b = Elector("b", [&] { store_->Set(HeldBy("c", clock_.Now())); });
  ElectorRunner run(b.get());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_FALSE(run.started_leading());
  EXPECT_EQ(store_->record()->holder_identity, "c");
  Step();
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_FALSE(b->IsLeader());
  EXPECT_THAT(run.leaders_observed(), ElementsAre("c"));
}

TEST_F(LeaderElectorTest, LosingTheRaceToCreateWaits) {
  auto b = Elector("b", [&] { store_->Set(HeldBy("c", clock_.Now())); });
  ElectorRunner run(b.get());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_FALSE(run.started_leading());
  EXPECT_EQ(store_->record()->holder_identity, "c");
}

TEST_F(LeaderElectorTest, StoppingWhileCampaigningReturnsOkWithoutCallbacks) {
  store_->Set(HeldBy("other", clock_.Now()));
  auto b = Elector("b");
  ElectorRunner run(b.get());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  run.Stop();
  EXPECT_TRUE(run.result().ok());
  EXPECT_FALSE(run.started_leading());
  EXPECT_FALSE(run.stopped_leading());
  EXPECT_EQ(store_->record()->holder_identity, "other");
}

}  // namespace
}  // namespace flyover::kube
