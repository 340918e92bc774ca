// Controller over a FakeInformer (real SharedInformer, fake server) with fake clocks.
#include "kube/controller/controller.h"

#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/fake_informer.h"
#include "kube/cache/testing/metric_values.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// Records reconciles and answers from a per-call script.
class ScriptedReconciler {
 public:
  using Answer = std::function<absl::StatusOr<Result>(const std::string& key)>;

  absl::StatusOr<Result> operator()(const std::string& key) {
    Answer answer;
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back(key);
      if (!answers_.empty()) {
        answer = std::move(answers_.front());
        answers_.erase(answers_.begin());
      }
    }
    return answer ? answer(key) : Result{};
  }
  // The next reconciles answer with these, in order; later ones succeed.
  void Then(Answer answer) {
    absl::MutexLock lock(&mu_);
    answers_.push_back(std::move(answer));
  }
  bool WaitForCalls(size_t count, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto enough = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return calls_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<Answer> answers_ ABSL_GUARDED_BY(mu_);
};

class ControllerTest : public ::testing::Test {
 protected:
  void TearDown() override { StopController(); }

  Controller* MakeController(int workers = 1) {
    auto controller = Controller::Create(
        {.name = "jobs", .max_concurrent_reconciles = workers, .clock = &clock_,
         .registry = registry_},
        [this](const std::string& key) { return reconciler_(key); });
    EXPECT_TRUE(controller.ok()) << controller.status();
    if (controller.ok()) controller_ = *std::move(controller);
    return controller_.get();
  }

  void StartController(Controller* controller) {
    runner_ = std::thread([this, controller] { start_status_ = controller->Start(&stop_); });
  }
  void StopController() {
    stop_.Stop();
    if (runner_.joinable()) runner_.join();
  }

  double Reconciles(const std::string& result) {
    return MetricValue(*registry_, "flyover_controller_reconcile_total",
                       {{"controller", "jobs"}, {"result", result}}).value_or(-1);
  }

  FakeClock clock_;           // the controller's: queue delays
  FakeClock informer_clock_;  // the informers'
  std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
  // Declared before the controller: informers must outlive it.
  FakeInformer jobs_{&informer_clock_, {.resource = "jobs"}};
  FakeInformer pods_{&informer_clock_, {.resource = "pods"}};
  ScriptedReconciler reconciler_;
  std::unique_ptr<Controller> controller_;
  StopSignal stop_;
  std::thread runner_;
  absl::Status start_status_;
};

TEST_F(ControllerTest, RejectsBadOptions) {
  auto reconcile = [](const std::string&) -> absl::StatusOr<Result> { return Result{}; };
  EXPECT_THAT(Controller::Create({}, reconcile).status().message(), HasSubstr("name"));
  EXPECT_THAT(Controller::Create({.name = "x"}, nullptr).status().message(),
              HasSubstr("reconcile"));
  EXPECT_THAT(Controller::Create({.name = "x", .max_concurrent_reconciles = 0}, reconcile)
                  .status().message(),
              HasSubstr("max_concurrent_reconciles"));
}

TEST_F(ControllerTest, ReconcilesTheKeysOfWatchedObjects) {
  FakeInformer& jobs = jobs_;
  ASSERT_TRUE(jobs.server().Create(MakeObject({.namespace_ = "ns", .name = "a"})).ok());
  auto controller = MakeController();
  ASSERT_TRUE(controller->Watch(&jobs.informer(), EnqueueObject()).ok());
  ASSERT_TRUE(jobs.Start().ok());
  StartController(controller);
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  ASSERT_TRUE(jobs.Create(MakeObject({.namespace_ = "ns", .name = "b"})).ok());
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  EXPECT_THAT(reconciler_.calls(), ElementsAre("ns/a", "ns/b"));
  StopController();
  EXPECT_TRUE(start_status_.ok()) << start_status_;
  EXPECT_EQ(Reconciles("success"), 2);
  EXPECT_EQ(Reconciles("error"), 0);
}

TEST_F(ControllerTest, OwnedObjectsEnqueueTheirOwner) {
  FakeInformer& pods = pods_;
  auto controller = MakeController();
  ASSERT_TRUE(controller
                  ->Watch(&pods.informer(), EnqueueOwner({.api_group = "training.flyover.dev",
                                                          .kind = "PostTrainingJob"}))
                  .ok());
  ASSERT_TRUE(pods.Start().ok());
  StartController(controller);
  ASSERT_TRUE(pods.Create(MakeObject({.namespace_ = "ns", .name = "w-0",
                                      .controller_uid = "uid-owner"})).ok());
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  EXPECT_THAT(reconciler_.calls(), ElementsAre("ns/owner"));
}

TEST_F(ControllerTest, ErrorsAreRetriedWithBackoffAndSuccessForgets) {
  auto controller = MakeController();
  reconciler_.Then([](const std::string&) { return absl::UnavailableError("api down"); });
  reconciler_.Then([](const std::string&) { return absl::UnavailableError("api down"); });
  StartController(controller);
  controller->Enqueue("ns/a");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Milliseconds(5));   // first retry after 5 ms
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Milliseconds(10));  // then 10 ms
  ASSERT_TRUE(reconciler_.WaitForCalls(3));
  StopController();
  EXPECT_EQ(controller->queue().NumRequeues("ns/a"), 0);
  EXPECT_EQ(Reconciles("error"), 2);
  EXPECT_EQ(Reconciles("success"), 1);
  EXPECT_EQ(MetricValue(*registry_, "flyover_controller_reconcile_errors_total",
                        {{"controller", "jobs"}}), 2);
  EXPECT_EQ(MetricValue(*registry_, "flyover_controller_reconcile_duration_seconds",
                        {{"controller", "jobs"}}), 3);
}

TEST_F(ControllerTest, TerminalErrorsAreNotRetried) {
  EXPECT_TRUE(IsTerminalError(TerminalError(absl::InternalError("x"))));
  EXPECT_TRUE(IsTerminalError(absl::InvalidArgumentError("spec.replicas: must be positive")));
  EXPECT_FALSE(IsTerminalError(absl::AbortedError("conflict")));
  EXPECT_TRUE(TerminalError(absl::OkStatus()).ok());

  auto controller = MakeController();
  reconciler_.Then([](const std::string&) {
    return TerminalError(absl::InternalError("cannot ever work"));
  });
  StartController(controller);
  controller->Enqueue("ns/a");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  StopController();
  EXPECT_EQ(controller->queue().NumWaiting(), 0u);
  EXPECT_EQ(MetricValue(*registry_, "flyover_controller_terminal_reconcile_errors_total",
                        {{"controller", "jobs"}}), 1);
}

TEST_F(ControllerTest, RequeueAfterWaitsOnTheClock) {
  auto controller = MakeController();
  reconciler_.Then([](const std::string&) -> absl::StatusOr<Result> {
    return Result{.requeue_after = absl::Seconds(30)};
  });
  StartController(controller);
  controller->Enqueue("ns/a");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_EQ(controller->queue().NumWaiting(), 1u);
  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  EXPECT_EQ(Reconciles("requeue_after"), 1);
}

TEST_F(ControllerTest, RequeueUsesTheRateLimiter) {
  auto controller = MakeController();
  reconciler_.Then([](const std::string&) -> absl::StatusOr<Result> {
    return Result{.requeue = true};
  });
  StartController(controller);
  controller->Enqueue("ns/a");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Milliseconds(5));
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  EXPECT_EQ(Reconciles("requeue"), 1);
}

TEST_F(ControllerTest, ExceptionsBecomeRetriedErrors) {
  auto controller = MakeController();
  reconciler_.Then([](const std::string&) -> absl::StatusOr<Result> {
    throw std::runtime_error("boom");
  });
  StartController(controller);
  controller->Enqueue("ns/a");
  ASSERT_TRUE(reconciler_.WaitForCalls(1));
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  clock_.Advance(absl::Milliseconds(5));
  ASSERT_TRUE(reconciler_.WaitForCalls(2));
  EXPECT_EQ(Reconciles("error"), 1);
}

TEST_F(ControllerTest, AKeyIsNeverReconciledByTwoWorkersAtOnce) {
  auto controller = MakeController(/*workers=*/4);
  absl::Notification a_entered, release_a;
  reconciler_.Then([&](const std::string&) -> absl::StatusOr<Result> {
    a_entered.Notify();
    release_a.WaitForNotification();
    return Result{};
  });
  StartController(controller);
  controller->Enqueue("ns/a");
  a_entered.WaitForNotification();
  controller->Enqueue("ns/a");  // while a worker holds it
  controller->Enqueue("ns/b");
  ASSERT_TRUE(reconciler_.WaitForCalls(2));  // b runs beside the blocked a
  EXPECT_THAT(reconciler_.calls(), ElementsAre("ns/a", "ns/b"));
  release_a.Notify();
  ASSERT_TRUE(reconciler_.WaitForCalls(3));  // a again, once it was done
  EXPECT_THAT(reconciler_.calls(), ElementsAre("ns/a", "ns/b", "ns/a"));
}

TEST_F(ControllerTest, StopFinishesTheReconcileInProgressAndSkipsTheRest) {
  auto controller = MakeController();
  absl::Notification entered, release;
  reconciler_.Then([&](const std::string&) -> absl::StatusOr<Result> {
    entered.Notify();
    release.WaitForNotification();
    return Result{};
  });
  StartController(controller);
  controller->Enqueue("ns/a");
  entered.WaitForNotification();
  controller->Enqueue("ns/b");
  controller->Enqueue("ns/c");
  stop_.Stop();
  release.Notify();
  StopController();
  EXPECT_TRUE(start_status_.ok());
  EXPECT_THAT(reconciler_.calls(), ElementsAre("ns/a"));
}

TEST_F(ControllerTest, StartFailsWhenCachesDoNotSync) {
  FakeInformer& jobs = jobs_;  // never started
  auto controller = Controller::Create(
      {.name = "jobs", .clock = &clock_, .cache_sync_timeout = absl::Milliseconds(50)},
      [](const std::string&) -> absl::StatusOr<Result> { return Result{}; });
  ASSERT_TRUE(controller.ok());
  ASSERT_TRUE((*controller)->Watch(&jobs.informer(), EnqueueObject()).ok());
  absl::Status status = (*controller)->Start(&stop_);
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("caches not synced"));
  EXPECT_TRUE(absl::IsFailedPrecondition((*controller)->Start(&stop_)));
}

TEST_F(ControllerTest, IsALeaderOnlyRunnable) {
  auto controller = MakeController();
  EXPECT_TRUE(controller->NeedLeaderElection());
  EXPECT_EQ(controller->Name(), "jobs");
  EXPECT_EQ(MetricValue(*registry_, "flyover_controller_max_concurrent_reconciles",
                        {{"controller", "jobs"}}), 1);
  EXPECT_EQ(Reconciles("success"), 0);
}

}  // namespace
}  // namespace flyover::kube
