#include "kube/cache/backoff.h"

#include <vector>

#include "common/fake_clock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

TEST(BackoffTest, DoublesFromInitialToMaxWithJitterBelowTheBase) {
  FakeClock clock;
  Backoff backoff(BackoffOptions{}, &clock, 7);
  absl::Duration base = absl::Milliseconds(800);
  for (int i = 0; i < 12; ++i) {
    const absl::Duration d = backoff.Next();
    EXPECT_LE(d, base) << i;
    EXPECT_GE(d, base * 0.8) << i;
    base = std::min(base * 2, absl::Seconds(30));
  }
  EXPECT_EQ(base, absl::Seconds(30));
}

TEST(BackoffTest, StartsOverAfterAQuietPeriod) {
  FakeClock clock;
  Backoff backoff({.jitter = 0}, &clock, 1);
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(800));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(1600));
  clock.Advance(absl::Minutes(1));  // under 2 minutes after the last wait ended
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(3200));
  clock.Advance(absl::Seconds(3.2) + absl::Minutes(2));
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(800));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), absl::Milliseconds(800));
}

TEST(BackoffTest, SameSeedSameDelays) {
  FakeClock clock;
  Backoff a(BackoffOptions{}, &clock, 99);
  Backoff b(BackoffOptions{}, &clock, 99);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(a.Next(), b.Next());
}

}  // namespace
}  // namespace flyover::kube
