// LeaseLeaderElector's takeover timing on a FakeLeaseLock and a FakeClock: a standby that
// re-reads the lease every observe_period and wakes at the computed expiry takes over within
// the bound leader_elector.h states (takeover - last renewal in [lease, lease +
// observe_period]), which puts it within the lease duration of the holder's death whenever
// the last renewal came at least observe_period before it. client-go's timing (re-read
// every retry period) fails these tests.
#include <memory>
#include <string>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/controller/leader_elector.h"
#include "kube/controller/testing/elector_runner.h"
#include "kube/controller/testing/fake_lease_lock.h"

namespace flyover::kube {
namespace {

using ::testing::HasSubstr;

constexpr absl::Duration kLease = absl::Seconds(15);
constexpr absl::Duration kRetry = absl::Seconds(2);
constexpr absl::Duration kTick = absl::Milliseconds(10);

class LeaderElectorTakeoverTest : public ::testing::Test {
 protected:
  std::unique_ptr<LeaseLeaderElector> Elector(absl::Duration observe_period) {
    auto elector = LeaseLeaderElector::Create(std::make_unique<FakeLeaseLock>(store_),
                                              {.identity = "standby",
                                               .jitter_factor = 0,
                                               .observe_period = observe_period,
                                               .clock = &clock_});
    EXPECT_TRUE(elector.ok()) << elector.status();
    return elector.ok() ? *std::move(elector) : nullptr;
  }

  // What the holder writes when it renews at `when`.
  LeaderElectionRecord RenewedAt(absl::Time when) {
    return {.holder_identity = "holder", .lease_duration_seconds = absl::ToInt64Seconds(kLease),
            .acquire_time = t0_, .renew_time = when, .leader_transitions = 1};
  }

  // Moves the clock in kTick steps, each once the standby is idle; while the holder is
  // alive (before `killed`) it renews every kRetry from `first_renewal`. Returns once the
  // standby leads or the clock reaches `give_up`, with the standby idle; *last_renewal is
  // the holder's last.
  void RunUntilTakeover(ElectorRunner* standby, absl::Time first_renewal, absl::Time killed,
                        absl::Time give_up, absl::Time* last_renewal) {
    absl::Time next_renewal = first_renewal;
    while (!standby->started_leading() && clock_.Now() < give_up) {
      ASSERT_TRUE(clock_.BlockUntilWaiters(1));
      if (clock_.Now() == next_renewal && next_renewal < killed) {
        store_->Set(RenewedAt(next_renewal));
        *last_renewal = next_renewal;
        next_renewal += kRetry;
      }
      clock_.Advance(kTick);
    }
    ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  }

  absl::Time TakeoverTime() {
    std::optional<LeaderElectionRecord> record = store_->record();
    EXPECT_TRUE(record.has_value() && record->holder_identity == "standby");
    if (!record.has_value()) return absl::InfinitePast();
    return record->acquire_time.value_or(absl::InfinitePast());
  }

  FakeClock clock_;
  const absl::Time t0_ = clock_.Now();
  std::shared_ptr<FakeLeaseStore> store_ = std::make_shared<FakeLeaseStore>();
};

TEST_F(LeaderElectorTakeoverTest, RejectsAnObservePeriodOutsideTheRetryPeriod) {
  for (absl::Duration bad : {absl::ZeroDuration(), kRetry + absl::Milliseconds(1)}) {
    auto elector = LeaseLeaderElector::Create(
        std::make_unique<FakeLeaseLock>(store_),
        {.identity = "a", .observe_period = bad, .clock = &clock_});
    EXPECT_TRUE(absl::IsInvalidArgument(elector.status()));
    EXPECT_THAT(elector.status().message(), HasSubstr("observe_period"));
  }
}

// The holder renews at t0+0.1, 2.1, 4.1 and dies at t0+5.1 (a second after its last
// renewal). Re-reading every retry period (client-go), the standby would notice the 4.1
// renewal at t0+6, count it expired at t0+21 and take over at its poll at t0+22: 16.9 s
// after the death. Observing every 250 ms it notices it at t0+4.25 and takes over at
// t0+19.25: 14.15 s after the death.
TEST_F(LeaderElectorTakeoverTest, TakesOverWithinTheLeaseDurationOfTheHoldersDeath) {
  const absl::Duration observe = absl::Milliseconds(250);
  store_->Set(RenewedAt(t0_));
  auto standby = Elector(observe);
  ElectorRunner run(standby.get());
  const absl::Time killed = t0_ + absl::Milliseconds(5100);
  absl::Time last_renewal = t0_;
  RunUntilTakeover(&run, t0_ + absl::Milliseconds(100), killed, t0_ + absl::Seconds(40),
                   &last_renewal);
  ASSERT_TRUE(run.started_leading());
  const absl::Time takeover = TakeoverTime();
  EXPECT_EQ(last_renewal, t0_ + absl::Milliseconds(4100));
  EXPECT_GE(takeover - last_renewal, kLease);  // the safety rule
  EXPECT_LE(takeover - last_renewal, kLease + observe);
  EXPECT_LE(takeover - killed, kLease);
  EXPECT_EQ(takeover, t0_ + absl::Milliseconds(19250));
  EXPECT_EQ(store_->record()->leader_transitions, 2);
}

// A death right after a renewal is the worst case: the bound lease + observe_period holds
// and is reached (up to one observe period past the lease duration), never more.
TEST_F(LeaderElectorTakeoverTest, ADeathRightAfterARenewalCostsAtMostOneObservePeriodMore) {
  const absl::Duration observe = absl::Milliseconds(250);
  store_->Set(RenewedAt(t0_));
  auto standby = Elector(observe);
  ElectorRunner run(standby.get());
  // Renewals at t0+0.01, 2.01, 4.01; dies at 4.02, just after the last.
  const absl::Time killed = t0_ + absl::Milliseconds(4020);
  absl::Time last_renewal = t0_;
  RunUntilTakeover(&run, t0_ + absl::Milliseconds(10), killed, t0_ + absl::Seconds(40),
                   &last_renewal);
  ASSERT_TRUE(run.started_leading());
  const absl::Time takeover = TakeoverTime();
  EXPECT_EQ(last_renewal, t0_ + absl::Milliseconds(4010));
  EXPECT_GE(takeover - last_renewal, kLease);
  EXPECT_LE(takeover - last_renewal, kLease + observe);
  EXPECT_LE(takeover - killed, kLease + observe);
  EXPECT_EQ(takeover, t0_ + absl::Milliseconds(4250) + kLease);
}

// With an observe period that does not divide the lease, the standby still acts at the
// exact expiry (t0 + 15 s) rather than at its next poll (t0 + 15.2 s) or retry (t0 + 16 s).
TEST_F(LeaderElectorTakeoverTest, WakesAtTheExactExpiry) {
  store_->Set(RenewedAt(t0_));
  auto standby = Elector(absl::Milliseconds(400));
  ElectorRunner run(standby.get());
  absl::Time last_renewal = t0_;
  RunUntilTakeover(&run, absl::InfiniteFuture(), t0_, t0_ + absl::Seconds(40), &last_renewal);
  ASSERT_TRUE(run.started_leading());
  EXPECT_EQ(TakeoverTime(), t0_ + kLease);
}

// A holder that keeps renewing keeps the lease however often the standby looks, and the
// standby's reads stay at one per observe period.
TEST_F(LeaderElectorTakeoverTest, ObservingOftenNeverTakesALiveHoldersLease) {
  store_->Set(RenewedAt(t0_));
  auto standby = Elector(absl::Milliseconds(250));
  ElectorRunner run(standby.get());
  absl::Time last_renewal = t0_;
  RunUntilTakeover(&run, t0_ + absl::Seconds(1), absl::InfiniteFuture(),
                   t0_ + absl::Seconds(45), &last_renewal);
  EXPECT_FALSE(run.started_leading());
  EXPECT_EQ(store_->record()->holder_identity, "holder");
  // One read at t0, then one every 250 ms for 45 s.
  EXPECT_EQ(store_->calls(), 1 + 45 * 4);
}

}  // namespace
}  // namespace flyover::kube
