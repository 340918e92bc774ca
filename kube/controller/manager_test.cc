// Manager with a FakeLeaderElector: leadership gating, shutdown order and deadline,
// error propagation, and the health endpoints over HTTP on 127.0.0.1.
#include "kube/controller/manager.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/controller/testing/fake_leader_elector.h"
#include "prometheus/counter.h"

namespace flyover::kube {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Records when runnables start and stop, in order.
class Journal {
 public:
  void Note(const std::string& entry) {
    absl::MutexLock lock(&mu_);
    entries_.push_back(entry);
  }
  bool WaitFor(const std::string& entry, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(entries_.begin(), entries_.end(), entry) != entries_.end();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }
  std::vector<std::string> entries() {
    absl::MutexLock lock(&mu_);
    return entries_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> entries_ ABSL_GUARDED_BY(mu_);
};

// A runnable that notes its start and stop, with a readiness the test sets.
class TestRunnable final : public Runnable {
 public:
  TestRunnable(std::string name, bool leader_only, Journal* journal)
      : name_(std::move(name)), leader_only_(leader_only), journal_(journal) {}
  absl::Status Start(StopSignal* stop) override {
    journal_->Note(name_ + " started");
    stop->WaitFor(RealClock(), absl::InfiniteDuration());
    journal_->Note(name_ + " stopped");
    return absl::OkStatus();
  }
  std::string Name() const override { return name_; }
  bool NeedLeaderElection() const override { return leader_only_; }
  absl::Status Ready() const override {
    return ready_ ? absl::OkStatus() : absl::UnavailableError(name_ + " not synced");
  }
  std::atomic<bool> ready_{true};

 private:
  const std::string name_;
  const bool leader_only_;
  Journal* const journal_;
};

class ManagerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    stop_.Stop();
    if (runner_.joinable()) runner_.join();
  }

  Manager& MakeManager(ManagerOptions options = {}, bool with_elector = true) {
    std::unique_ptr<FakeLeaderElector> elector;
    if (with_elector) {
      elector = std::make_unique<FakeLeaderElector>("replica-a");
      elector_ = elector.get();
    }
    options.graceful_shutdown_timeout = absl::Seconds(10);
    manager_ = std::make_unique<Manager>(std::move(options), std::move(elector));
    return *manager_;
  }

  std::shared_ptr<TestRunnable> Add(const std::string& name, bool leader_only) {
    auto runnable = std::make_shared<TestRunnable>(name, leader_only, &journal_);
    EXPECT_TRUE(manager_->Add(runnable).ok());
    return runnable;
  }

  void RunInBackground() {
    runner_ = std::thread([this] {
      absl::Status status = manager_->Run(&stop_);
      absl::MutexLock lock(&mu_);
      run_status_ = status;
      run_done_ = true;
    });
  }
  absl::Status WaitForRun() {
    if (runner_.joinable()) runner_.join();
    absl::MutexLock lock(&mu_);
    return run_status_;
  }

  Journal journal_;
  FakeLeaderElector* elector_ = nullptr;
  std::unique_ptr<Manager> manager_;
  StopSignal stop_;
  std::thread runner_;
  absl::Mutex mu_;
  absl::Status run_status_ ABSL_GUARDED_BY(mu_);
  bool run_done_ ABSL_GUARDED_BY(mu_) = false;
};

TEST_F(ManagerTest, WithoutAnElectorRunsEverythingAndStopsControllersFirst) {
  MakeManager({.serve_metrics = false}, /*with_elector=*/false);
  Add("cache", false);
  Add("controller", true);
  RunInBackground();
  ASSERT_TRUE(journal_.WaitFor("cache started"));
  ASSERT_TRUE(journal_.WaitFor("controller started"));
  EXPECT_TRUE(manager_->IsLeader());
  stop_.Stop();
  EXPECT_TRUE(WaitForRun().ok());
  std::vector<std::string> entries = journal_.entries();
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_EQ(entries[2], "controller stopped");
  EXPECT_EQ(entries[3], "cache stopped");
}

TEST_F(ManagerTest, ControllersStartOnlyOnceElectedAndTheLeaseIsReleasedAfterThem) {
  MakeManager({.serve_metrics = false});
  Add("cache", false);
  Add("controller", true);
  RunInBackground();
  ASSERT_TRUE(journal_.WaitFor("cache started"));
  ASSERT_TRUE(elector_->WaitUntilRunning());
  EXPECT_THAT(journal_.entries(), ElementsAre("cache started"));
  EXPECT_FALSE(manager_->IsLeader());

  elector_->Elect();
  ASSERT_TRUE(journal_.WaitFor("controller started"));
  EXPECT_TRUE(manager_->IsLeader());
  stop_.Stop();
  EXPECT_TRUE(WaitForRun().ok());
  EXPECT_TRUE(elector_->released());
  EXPECT_THAT(journal_.entries(), ElementsAre("cache started", "controller started",
                                              "controller stopped", "cache stopped"));
}

TEST_F(ManagerTest, LosingLeadershipStopsEverythingAndReturnsAborted) {
  MakeManager({.serve_metrics = false});
  Add("cache", false);
  Add("controller", true);
  RunInBackground();
  ASSERT_TRUE(journal_.WaitFor("cache started"));
  ASSERT_TRUE(elector_->WaitUntilRunning());
  elector_->Elect();
  ASSERT_TRUE(journal_.WaitFor("controller started"));
  elector_->LoseLeadership();
  absl::Status status = WaitForRun();
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  EXPECT_THAT(journal_.entries(), ElementsAre("cache started", "controller started",
                                              "controller stopped", "cache stopped"));
}

TEST_F(ManagerTest, ARunnableErrorShutsTheManagerDown) {
  MakeManager({.serve_metrics = false}, /*with_elector=*/false);
  Add("cache", false);
  ASSERT_TRUE(manager_
                  ->Add(MakeRunnable("broken", false,
                                     [](StopSignal*) { return absl::InternalError("no port"); }))
                  .ok());
  RunInBackground();
  absl::Status status = WaitForRun();
  EXPECT_TRUE(absl::IsInternal(status));
  EXPECT_THAT(status.message(), HasSubstr("runnable broken"));
  EXPECT_TRUE(journal_.WaitFor("cache stopped"));
}

TEST_F(ManagerTest, AnEarlyOkReturnDoesNotStopTheManager) {
  MakeManager({.serve_metrics = false}, /*with_elector=*/false);
  absl::Notification ran;
  ASSERT_TRUE(manager_->Add(MakeRunnable("once", true, [&](StopSignal*) {
    ran.Notify();
    return absl::OkStatus();
  })).ok());
  Add("cache", false);
  RunInBackground();
  ran.WaitForNotification();
  ASSERT_TRUE(journal_.WaitFor("cache started"));
  EXPECT_THAT(journal_.entries(), ElementsAre("cache started"));
  stop_.Stop();
  EXPECT_TRUE(WaitForRun().ok());
}

TEST_F(ManagerTest, ShutdownGivesUpAfterTheGracePeriod) {
  manager_ = std::make_unique<Manager>(
      ManagerOptions{.serve_metrics = false, .graceful_shutdown_timeout = absl::Milliseconds(50)});
  auto release = std::make_shared<absl::Notification>();
  ASSERT_TRUE(manager_->Add(MakeRunnable("stubborn", true, [release](StopSignal*) {
    release->WaitForNotification();  // ignores the stop
    return absl::OkStatus();
  })).ok());
  RunInBackground();
  stop_.Stop();
  absl::Status status = WaitForRun();
  EXPECT_TRUE(absl::IsDeadlineExceeded(status)) << status;
  release->Notify();  // lets the detached thread finish
}

TEST_F(ManagerTest, AddAndRunAreOneShot) {
  MakeManager({.serve_metrics = false}, /*with_elector=*/false);
  EXPECT_TRUE(absl::IsInvalidArgument(manager_->Add(nullptr)));
  stop_.Stop();
  EXPECT_TRUE(manager_->Run(&stop_).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->Run(&stop_)));
  EXPECT_TRUE(absl::IsFailedPrecondition(manager_->Add(MakeRunnable("late", true, nullptr))));
}

std::string Get(int port, const std::string& path, int* code) {
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Get(path.c_str());
  *code = result ? result->status : -1;
  return result ? result->body : "";
}

TEST_F(ManagerTest, ServesHealthReadinessAndMetrics) {
  MakeManager({.metrics_server = {.port = 0}, .ready_only_when_leading = true});
  auto cache = Add("pods", false);
  Add("controller", true);
  cache->ready_ = false;
  prometheus::BuildCounter().Name("flyover_test_total").Help("t").Register(*manager_->registry())
      .Add({}).Increment();
  RunInBackground();
  ASSERT_TRUE(elector_->WaitUntilRunning());
  const int port = manager_->metrics_port();
  ASSERT_GT(port, 0);

  int code = 0;
  Get(port, "/healthz", &code);
  EXPECT_EQ(code, 200);
  std::string body = Get(port, "/readyz", &code);
  EXPECT_EQ(code, 503);
  EXPECT_THAT(body, HasSubstr("[-]informer-sync failed"));
  EXPECT_THAT(body, HasSubstr("pods not synced"));
  EXPECT_THAT(body, HasSubstr("[-]leader-election failed"));

  cache->ready_ = true;
  elector_->Elect();
  ASSERT_TRUE(journal_.WaitFor("controller started"));  // after it became leader
  ASSERT_TRUE(manager_->IsLeader());
  Get(port, "/readyz", &code);
  EXPECT_EQ(code, 200);
  EXPECT_THAT(Get(port, "/metrics", &code), HasSubstr("flyover_test_total 1"));
  stop_.Stop();
  EXPECT_TRUE(WaitForRun().ok());
}

TEST_F(ManagerTest, StandbysAreReadyByDefault) {
  MakeManager({.serve_metrics = false});
  Add("pods", false);
  RunInBackground();
  ASSERT_TRUE(elector_->WaitUntilRunning());
  for (const MetricsServer::CheckResult& check : manager_->CheckReadiness()) {
    EXPECT_TRUE(check.status.ok()) << check.name << ": " << check.status;
  }
}

}  // namespace
}  // namespace flyover::kube
