#include "kube/cache/rate_limiter.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gtest/gtest.h"

namespace flyover::kube {
namespace {

TEST(ItemExponentialRateLimiterTest, DoublesPerKeyFromBaseAndCountsRequeues) {
  ItemExponentialRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(1000));
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(5));
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(10));
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(20));
  EXPECT_EQ(limiter.When("b"), absl::Milliseconds(5));  // keys are independent
  EXPECT_EQ(limiter.NumRequeues("a"), 3);
  EXPECT_EQ(limiter.NumRequeues("b"), 1);
  EXPECT_EQ(limiter.NumRequeues("never"), 0);

  limiter.Forget("a");
  EXPECT_EQ(limiter.NumRequeues("a"), 0);
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(5));
}

TEST(ItemExponentialRateLimiterTest, CapsAtMaxWithoutOverflow) {
  ItemExponentialRateLimiter limiter(absl::Milliseconds(5), absl::Seconds(1000));
  // 5 ms * 2^17 = 655.36 s is the last step below the cap; 2^18 would be 1310.72 s.
  for (int i = 0; i < 17; ++i) (void)limiter.When("a");
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(655360));
  EXPECT_EQ(limiter.When("a"), absl::Seconds(1000));
  for (int i = 0; i < 2000; ++i) (void)limiter.When("a");  // 2^2000 saturates
  EXPECT_EQ(limiter.When("a"), absl::Seconds(1000));
}

TEST(TokenBucketRateLimiterTest, AllowsTheBurstThenSpacesRetriesAtTheRate) {
  FakeClock clock;
  TokenBucketRateLimiter limiter(10.0, 100, &clock);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(limiter.When(absl::StrCat("k", i)), absl::ZeroDuration()) << i;
  }
  // Reservations queue up behind one another, 100 ms apart at 10 qps.
  EXPECT_EQ(limiter.When("x"), absl::Milliseconds(100));
  EXPECT_EQ(limiter.When("y"), absl::Milliseconds(200));
  // One second brings 10 tokens; two were owed.
  clock.Advance(absl::Seconds(1));
  for (int i = 0; i < 8; ++i) EXPECT_EQ(limiter.When("z"), absl::ZeroDuration()) << i;
  EXPECT_EQ(limiter.When("z"), absl::Milliseconds(100));
  EXPECT_EQ(limiter.NumRequeues("z"), 0);
}

TEST(TokenBucketRateLimiterTest, RefillsNoMoreThanTheBurst) {
  FakeClock clock;
  TokenBucketRateLimiter limiter(10.0, 100, &clock);
  (void)limiter.When("a");
  clock.Advance(absl::Hours(1));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(limiter.When("a"), absl::ZeroDuration()) << i;
  EXPECT_EQ(limiter.When("a"), absl::Milliseconds(100));
}

TEST(DefaultControllerRateLimiterTest, IsTheMaxOfExponentialAndBucket) {
  FakeClock clock;
  std::unique_ptr<RateLimiter> limiter = DefaultControllerRateLimiter(&clock);
  EXPECT_EQ(limiter->When("a"), absl::Milliseconds(5));
  EXPECT_EQ(limiter->When("a"), absl::Milliseconds(10));
  EXPECT_EQ(limiter->NumRequeues("a"), 2);
  // Exhaust the burst of 100 (two tokens went to "a").
  for (int i = 0; i < 98; ++i) {
    ASSERT_EQ(limiter->When(absl::StrCat("k", i)), absl::Milliseconds(5)) << i;
  }
  // Now the bucket dominates a fresh key's 5 ms ...
  EXPECT_EQ(limiter->When("fresh"), absl::Milliseconds(100));
  // ... and the exponential dominates a key that failed often.
  for (int i = 0; i < 10; ++i) (void)limiter->When("hot");
  EXPECT_EQ(limiter->When("hot"), absl::Milliseconds(5 * 1024));
  limiter->Forget("a");
  EXPECT_EQ(limiter->NumRequeues("a"), 0);
}

class FixedLimiter final : public RateLimiter {
 public:
  FixedLimiter(absl::Duration d, int requeues) : d_(d), requeues_(requeues) {}
  absl::Duration When(absl::string_view) override { return d_; }
  void Forget(absl::string_view) override { ++forgets; }
  int NumRequeues(absl::string_view) override { return requeues_; }
  int forgets = 0;

 private:
  absl::Duration d_;
  int requeues_;
};

TEST(MaxOfRateLimiterTest, TakesTheLongestWaitAndMostRequeuesAndForgetsEverywhere) {
  auto a = std::make_unique<FixedLimiter>(absl::Seconds(1), 3);
  auto b = std::make_unique<FixedLimiter>(absl::Seconds(2), 1);
  FixedLimiter* a_ptr = a.get();
  FixedLimiter* b_ptr = b.get();
  std::vector<std::unique_ptr<RateLimiter>> limiters;
  limiters.push_back(std::move(a));
  limiters.push_back(std::move(b));
  MaxOfRateLimiter limiter(std::move(limiters));
  EXPECT_EQ(limiter.When("k"), absl::Seconds(2));
  EXPECT_EQ(limiter.NumRequeues("k"), 3);
  limiter.Forget("k");
  EXPECT_EQ(a_ptr->forgets, 1);
  EXPECT_EQ(b_ptr->forgets, 1);
}

}  // namespace
}  // namespace flyover::kube
