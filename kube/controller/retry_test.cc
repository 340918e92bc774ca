#include "kube/controller/retry.h"

#include <thread>
#include <vector>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/api_status.h"

namespace flyover::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::Each;
using ::testing::AllOf;
using ::testing::Ge;
using ::testing::Le;
using ::testing::SizeIs;

// A clock whose SleepFor returns at once and records the duration asked for.
class RecordingClock final : public Clock {
 public:
  absl::Time Now() override { return now_; }
  void SleepFor(absl::Duration duration) override {
    sleeps.push_back(duration);
    now_ += duration;
  }
  bool AwaitWithDeadline(absl::Mutex*, const absl::Condition& cond, absl::Time) override {
    return cond.Eval();
  }
  std::vector<absl::Duration> sleeps;

 private:
  absl::Time now_ = absl::UnixEpoch();
};

absl::Status Conflict() {
  return StatusFromHttpResponse(
      409, R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict",)"
           R"("code":409,"message":"the object has been modified"})");
}

TEST(RetryTest, DefaultsMatchClientGo) {
  EXPECT_THAT(BackoffDelays(DefaultRetry()), ElementsAre(absl::Milliseconds(10),
                                                         absl::Milliseconds(10),
                                                         absl::Milliseconds(10),
                                                         absl::Milliseconds(10)));
  EXPECT_EQ(DefaultRetry().jitter, 0.1);
  EXPECT_THAT(BackoffDelays(DefaultBackoff()),
              ElementsAre(absl::Milliseconds(10), absl::Milliseconds(50), absl::Milliseconds(250)));
}

TEST(RetryTest, CapLimitsEveryDelay) {
  RetryBackoff backoff{.duration = absl::Seconds(1), .factor = 3, .steps = 4,
                       .cap = absl::Seconds(5)};
  EXPECT_THAT(BackoffDelays(backoff),
              ElementsAre(absl::Seconds(1), absl::Seconds(3), absl::Seconds(5)));
}

TEST(RetryTest, SuccessRunsOnceWithoutSleeping) {
  RecordingClock clock;
  int calls = 0;
  absl::Status status = RetryOnConflict(DefaultRetry(), [&] {
    ++calls;
    return absl::OkStatus();
  }, &clock);
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(RetryTest, RetriesConflictsUntilSuccess) {
  RecordingClock clock;
  int calls = 0;
  absl::Status status = RetryOnConflict(DefaultRetry(), [&] {
    return ++calls < 3 ? Conflict() : absl::OkStatus();
  }, &clock);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 3);
  EXPECT_THAT(clock.sleeps, AllOf(SizeIs(2), Each(AllOf(Ge(absl::Milliseconds(10)),
                                                           Le(absl::Milliseconds(11))))));
}

TEST(RetryTest, GivesUpAfterStepsWithTheLastConflict) {
  RecordingClock clock;
  int calls = 0;
  absl::Status status = RetryOnConflict(DefaultRetry(), [&] {
    ++calls;
    return absl::AbortedError("conflict");
  }, &clock);
  EXPECT_TRUE(absl::IsAborted(status));
  EXPECT_EQ(calls, 5);
  EXPECT_THAT(clock.sleeps, SizeIs(4));
}

TEST(RetryTest, OtherErrorsReturnAtOnce) {
  RecordingClock clock;
  int calls = 0;
  absl::Status already_exists = StatusFromHttpResponse(
      409, R"({"kind":"Status","status":"Failure","reason":"AlreadyExists","code":409})");
  absl::Status status = RetryOnConflict(DefaultRetry(), [&] {
    ++calls;
    return already_exists;
  }, &clock);
  EXPECT_TRUE(absl::IsAlreadyExists(status)) << status;
  EXPECT_EQ(calls, 1);

  status = RetryOnConflict(DefaultRetry(), [&] {
    ++calls;
    return absl::UnavailableError("connection refused");
  }, &clock);
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(clock.sleeps.empty());
}

TEST(RetryTest, RetryOnErrorUsesThePredicate) {
  RecordingClock clock;
  int calls = 0;
  RetryBackoff backoff{.duration = absl::Milliseconds(10), .factor = 5, .jitter = 0, .steps = 4};
  absl::Status status = RetryOnError(
      backoff, [](const absl::Status& s) { return absl::IsUnavailable(s); },
      [&] { return ++calls < 4 ? absl::UnavailableError("down") : absl::OkStatus(); }, &clock);
  EXPECT_TRUE(status.ok());
  EXPECT_THAT(clock.sleeps, ElementsAre(absl::Milliseconds(10), absl::Milliseconds(50),
                                        absl::Milliseconds(250)));
}

TEST(RetryTest, SleepsOnTheInjectedClock) {
  FakeClock clock;
  int calls = 0;
  absl::Status status;
  std::thread retrying([&] {
    status = RetryOnConflict(DefaultRetry(), [&] {
      return ++calls < 2 ? Conflict() : absl::OkStatus();
    }, &clock);
  });
  ASSERT_TRUE(clock.BlockUntilWaiters(1));
  clock.Advance(absl::Milliseconds(11));
  retrying.join();
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace flyover::kube
