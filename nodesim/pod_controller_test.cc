#include "nodesim/pod_controller.h"

#include <memory>

#include "absl/synchronization/mutex.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/testing/fake_api_server.h"
#include "nodesim/pod_status.h"
#include "nodesim/simulated_pod_runtime.h"

namespace flyover::nodesim {
namespace {

using kube::PodsResource;
using kube::testing::ActionMatcher;
using kube::testing::FakeApiServer;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using nlohmann::json;

json PodOn(const std::string& name, const std::string& node, json annotations = json::object()) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", name}, {"namespace", "ml"}, {"annotations", annotations}}},
              {"spec", {{"containers", {{{"name", "main"}, {"image", "worker"}}}}}}};
  if (!node.empty()) pod["spec"]["nodeName"] = node;
  return pod;
}

ActionMatcher StatusPatch(const std::string& name) {
  return {.verb = "patch", .resource = "pods", .subresource = "status", .name = name};
}

// Records what the controller hands to the process runtime.
class RecordingRuntime final : public PodRuntime {
 public:
  absl::StatusOr<kube::Result> Sync(const std::string& key, const kube::core::Pod&,
                                    const NodeRef& node) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back("sync " + key + " on " + node.spec->name);
    return kube::Result{};
  }
  void Forget(const std::string& key) override {
    absl::MutexLock lock(&mu_);
    calls_.push_back("forget " + key);
  }
  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  bool WaitForCalls(size_t n) {
    absl::MutexLock lock(&mu_);
    wanted_ = n;
    return mu_.AwaitWithTimeout(absl::Condition(this, &RecordingRuntime::Enough),
                                absl::Seconds(10));
  }

 private:
  bool Enough() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_.size() >= wanted_; }

  absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  size_t wanted_ ABSL_GUARDED_BY(mu_) = 0;
};

class PodControllerTest : public ::testing::Test {
 protected:
  void StartController(std::optional<absl::Duration> succeed_after = std::nullopt) {
    simulated_ = std::make_unique<SimulatedPodRuntime>(
        client_.get(), SimulatedPodOptions{.succeed_after = succeed_after, .clock = &clock_});
    controller_ = std::make_unique<PodController>(client_.get(), &nodes_, simulated_.get(),
                                                  &process_,
                                                  PodControllerOptions{.workers = 2, .clock = &clock_});
    ASSERT_TRUE(controller_->Start().ok());
  }
  void TearDown() override {
    if (controller_) controller_->Stop();
  }
  json Pod(const std::string& name) { return api_.Get(PodsResource(), "ml", name).value(); }
  // Waits (real time) until the pod's phase is `phase`: the fake records a request before
  // it applies it.
  bool WaitForPhase(const std::string& name, const std::string& phase,
                    absl::Duration timeout = absl::Seconds(10)) {
    for (absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
         absl::SleepFor(absl::Milliseconds(1))) {
      json pod = Pod(name);
      if (pod.contains("status") && pod["status"].value("phase", "") == phase) return true;
    }
    return false;
  }

  FakeClock clock_;
  FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  std::vector<SimNodeSpec> nodes_ = *TopologyFromCounts(1, 2, PodMode::kSimulated);
  RecordingRuntime process_;
  std::unique_ptr<SimulatedPodRuntime> simulated_;
  std::unique_ptr<PodController> controller_;
};

TEST_F(PodControllerTest, WatchesBoundPodsOnceWithAFieldSelector) {
  StartController();
  ASSERT_TRUE(api_.WaitForWatches(1));
  std::vector<kube::testing::Action> watches = api_.Actions({.verb = "watch", .resource = "pods"});
  ASSERT_EQ(watches.size(), 1u);
  EXPECT_EQ(watches[0].params["fieldSelector"], "spec.nodeName!=");
}

TEST_F(PodControllerTest, RunsSimulatedPodsOnItsNodesOnly) {
  ASSERT_TRUE(api_.Create(PodsResource(), PodOn("a", "sp0-node01")).ok());
  ASSERT_TRUE(api_.Create(PodsResource(), PodOn("foreign", "real-node")).ok());
  ASSERT_TRUE(api_.Create(PodsResource(), PodOn("unbound", "")).ok());
  StartController();
  ASSERT_TRUE(WaitForPhase("a", "Running"));
  json a = Pod("a");
  EXPECT_EQ(a["status"]["phase"], "Running");
  EXPECT_EQ(a["status"]["podIP"], "10.0.1.2");
  EXPECT_EQ(a["status"]["hostIP"], "127.0.0.1");
  EXPECT_EQ(a["status"]["containerStatuses"][0]["ready"], true);
  EXPECT_TRUE(a["status"]["containerStatuses"][0]["state"].contains("running"));
  EXPECT_EQ(a["status"]["conditions"][3]["type"], "Ready");
  EXPECT_EQ(a["status"]["conditions"][3]["status"], "True");
  EXPECT_THAT(api_.ActionStrings({.verb = "write"}), ElementsAre("patch pods/status ml/a"));
  EXPECT_FALSE(Pod("foreign").contains("status") && Pod("foreign")["status"].contains("phase"));
}

TEST_F(PodControllerTest, PodsSucceedAfterTheirAnnotation) {
  ASSERT_TRUE(api_.Create(PodsResource(),
                          PodOn("short", "sp0-node00", {{kAnnotationSucceedAfter, "30s"}}))
                  .ok());
  StartController();
  ASSERT_TRUE(WaitForPhase("short", "Running"));
  // The requeue at start + 30 s may be queued before or after an advance: advance until
  // the pod succeeds, never by less than the 30 s it must wait.
  bool succeeded = false;
  for (int i = 0; i < 50 && !succeeded; ++i) {
    clock_.Advance(absl::Seconds(31));
    succeeded = WaitForPhase("short", "Succeeded", absl::Milliseconds(200));
  }
  ASSERT_TRUE(succeeded);
  json pod = Pod("short");
  EXPECT_EQ(pod["status"]["phase"], "Succeeded");
  EXPECT_EQ(pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"], "Completed");
  controller_->Stop();  // joins the workers: the runtime's counters are final
  EXPECT_EQ(simulated_->succeeded(), 1);
}

// A requeue can run on the Running pod the informer still holds after the pod already
// succeeded: the runtime must not finish (and count) it twice.
TEST_F(PodControllerTest, AStaleRunningPodIsNotFinishedTwice) {
  ASSERT_TRUE(api_.Create(PodsResource(),
                          PodOn("short", "sp0-node00", {{kAnnotationSucceedAfter, "30s"}}))
                  .ok());
  SimulatedPodRuntime runtime(client_.get(), {.clock = &clock_});
  NodeRef node{.spec = &nodes_[0], .index = 0};
  absl::StatusOr<kube::core::Pod> pending = kube::core::DecodePod(Pod("short"));
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_TRUE(runtime.Sync("ml/short", *pending, node).ok());
  absl::StatusOr<kube::core::Pod> running = kube::core::DecodePod(Pod("short"));
  ASSERT_TRUE(running.ok()) << running.status();
  ASSERT_EQ(running->status.phase, "Running");
  clock_.Advance(absl::Seconds(31));
  ASSERT_TRUE(runtime.Sync("ml/short", *running, node).ok());  // finishes it
  ASSERT_TRUE(runtime.Sync("ml/short", *running, node).ok());  // the stale copy again
  EXPECT_EQ(Pod("short")["status"]["phase"], "Succeeded");
  EXPECT_EQ(runtime.succeeded(), 1);
}

TEST_F(PodControllerTest, PodsWithoutDeadlineRunUntilDeleted) {
  ASSERT_TRUE(api_.Create(PodsResource(), PodOn("long", "sp0-node00")).ok());
  StartController();
  ASSERT_TRUE(WaitForPhase("long", "Running"));
  ASSERT_TRUE(api_.WaitForWatches(1));
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(api_.WaitForWatches(1));
  EXPECT_EQ(Pod("long")["status"]["phase"], "Running");
  EXPECT_EQ(api_.Actions(StatusPatch("long")).size(), 1u);
}

TEST_F(PodControllerTest, FinishesTheDeletionOfAGracefullyDeletedPod) {
  json pod = PodOn("held", "sp0-node00");
  pod["metadata"]["finalizers"] = {"test/hold"};  // keeps it visible with a deletionTimestamp
  ASSERT_TRUE(api_.Create(PodsResource(), pod).ok());
  StartController();
  ASSERT_TRUE(api_.WaitForActions(StatusPatch("held"), 1));
  ASSERT_TRUE(client_->Delete(PodsResource(), "ml", "held").ok());
  ASSERT_TRUE(api_.WaitForActions({.verb = "delete", .resource = "pods"}, 2));
  kube::testing::Action last = api_.Actions({.verb = "delete", .resource = "pods"}).back();
  EXPECT_EQ(last.body["gracePeriodSeconds"], 0);
  EXPECT_EQ(last.body["preconditions"]["uid"], Pod("held")["metadata"]["uid"]);
}

TEST_F(PodControllerTest, HandsProcessPodsToTheProcessRuntimeAndForgetsDeletedOnes) {
  ASSERT_TRUE(api_.Create(PodsResource(), PodOn("p", "sp0-node01", {{kAnnotationMode, "process"}}))
                  .ok());
  ASSERT_TRUE(api_.Create(PodsResource(), PodOn("bad", "sp0-node01", {{kAnnotationMode, "vm"}}))
                  .ok());
  StartController();
  ASSERT_TRUE(process_.WaitForCalls(1));
  ASSERT_TRUE(api_.Delete(PodsResource(), "ml", "p").ok());
  ASSERT_TRUE(process_.WaitForCalls(2));
  EXPECT_THAT(process_.calls(), ElementsAre("sync ml/p on sp0-node01", "forget ml/p"));
  EXPECT_THAT(api_.ActionStrings({.verb = "write"}), IsEmpty());
}

}  // namespace
}  // namespace flyover::nodesim
