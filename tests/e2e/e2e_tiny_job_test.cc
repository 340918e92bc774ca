// deploy/examples/tiny.yaml end to end on `flyover local up --mode process`: flyover-apiserver,
// nodesim running pods as processes, a device plugin per node, the scheduler and the operator
// (both leader-elected), and in each pod `flyover-worker agent` with its rank processes.
//
// The job is applied through the kube client as tiny.yaml has it, except for
// spec.checkpoint.path, which points into the test's temp dir: process-mode pods share the
// host's filesystem, so the default /var/lib/flyover/checkpoints would be shared with other
// runs and a run could resume from another run's checkpoints.
//
// 1. The job runs to Succeeded: status.step == spec.training.steps, held-out accuracy after
//    training >= 0.9, placement on one physical super-pod, no faults.
// 2. A second job (same spec, another name) loses a worker pod mid-run (a plain pod
//    delete): the operator records PodDeleted, reschedules the pod, the job still reaches
//    Succeeded with the final loss of the undisturbed run (case 1's when both run in one
//    process, else a reference run first); detection and recovery times are printed from
//    status.faults.
// `local down` then leaves no process behind.
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/yaml.h"
#include "kube/client/resource.h"
#include "kube/client/testing/temp_dir.h"
#include "tests/testing/local_cluster.h"

namespace flyover::e2e {
namespace {

using local_cluster::CommandRun;
using local_cluster::FinalLossOfRankZero;
using local_cluster::LocalCluster;
using local_cluster::PidsUnder;
using local_cluster::WaitForJob;
using nlohmann::json;

constexpr absl::Duration kJobTimeout = absl::Seconds(150);

std::string Phase(const json& job) {
  return job.value("status", json::object()).value("phase", "");
}

bool Finished(const json& job) { return Phase(job) == "Succeeded" || Phase(job) == "Failed"; }

class TinyJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new kube::testing::TempDir();
    cluster_ = new LocalCluster({.flyover_binary = FLYOVER_BINARY,
                                 .data_dir = dir_->path() + "/cluster",
                                 .stderr_file = dir_->path() + "/stderr.txt"});
    CommandRun up = cluster_->Up(2, 4);
    up_error_ = up.code == 0 ? "" : up.err + cluster_->ComponentLogs();
  }
  static void TearDownTestSuite() {
    CommandRun down = cluster_->Down();
    EXPECT_EQ(down.code, 0) << down.err;
    EXPECT_THAT(down.err, ::testing::HasSubstr("operator: stopped"));
    EXPECT_THAT(PidsUnder(cluster_->data_dir()), ::testing::IsEmpty());
    delete cluster_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_EQ(up_error_, "");
    auto client = cluster_->Client();
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  // tiny.yaml named `name`, its checkpoints in the test's directory.
  json TinyJob(const std::string& name) {
    auto manifest = kube::ReadYamlFile(FLYOVER_TINY_EXAMPLE_FILE);
    EXPECT_TRUE(manifest.ok()) << manifest.status();
    json job = manifest.ok() ? manifest->at(0) : json::object();
    job["metadata"]["name"] = name;
    job["spec"]["checkpoint"]["path"] = dir_->path() + "/checkpoints";
    return job;
  }
  void RunUndisturbed(const std::string& name);
  json Run(const json& job) {
    EXPECT_TRUE(client_->Create(kube::PostTrainingJobsResource(), "default", job).ok());
    return WaitForJob(*client_, "default", job["metadata"]["name"], kJobTimeout, Finished);
  }

  static kube::testing::TempDir* dir_;
  static LocalCluster* cluster_;
  static std::string up_error_;
  static std::optional<std::string> undisturbed_loss_;
  std::unique_ptr<kube::RestClient> client_;
};

kube::testing::TempDir* TinyJobTest::dir_ = nullptr;
LocalCluster* TinyJobTest::cluster_ = nullptr;
std::string TinyJobTest::up_error_;
std::optional<std::string> TinyJobTest::undisturbed_loss_;

// Runs tiny.yaml undisturbed as `name` and checks its status; records its final loss.
void TinyJobTest::RunUndisturbed(const std::string& name) {
  const json spec = TinyJob(name);
  const json job = Run(spec);
  ASSERT_EQ(Phase(job), "Succeeded") << job.dump(1) << cluster_->ComponentLogs();
  const json& status = job["status"];
  EXPECT_EQ(status["step"], spec["spec"]["training"]["steps"]);
  EXPECT_EQ(status["totalSteps"], spec["spec"]["training"]["steps"]);
  EXPECT_EQ(status["placement"]["superPodsSpanned"], 1) << status.dump();
  EXPECT_GE(status["placement"].value("nodes", 0), 1) << status.dump();
  EXPECT_EQ(status["placement"]["superPods"].size(), 1u) << status.dump();
  ASSERT_TRUE(status.contains("evaluation")) << status.dump();
  EXPECT_GE(status["evaluation"].value("accuracyAfter", 0.0), 0.9) << status.dump();
  EXPECT_LT(status["evaluation"].value("accuracyBefore", 1.0), 0.5) << status.dump();
  EXPECT_FALSE(status.contains("faults")) << status.dump();
  EXPECT_EQ(status["lastCheckpoint"]["step"], spec["spec"]["training"]["steps"]);
  undisturbed_loss_ = FinalLossOfRankZero(cluster_->data_dir(), "default", name);
  EXPECT_TRUE(undisturbed_loss_.has_value());
  std::cout << name << ": final loss " << undisturbed_loss_.value_or("?") << ", accuracy after "
            << status["evaluation"].value("accuracyAfter", -1.0) << "\n";
}

TEST_F(TinyJobTest, RunsToSucceededWithAccuracyAndPlacement) { RunUndisturbed("tiny"); }

TEST_F(TinyJobTest, SurvivesAWorkerPodDeletedMidRun) {
  // ctest runs each case in its own process: the undisturbed reference is run here then.
  if (!undisturbed_loss_.has_value()) RunUndisturbed("tiny-reference");
  ASSERT_TRUE(undisturbed_loss_.has_value());
  const json spec = TinyJob("tiny-chaos");
  ASSERT_TRUE(client_->Create(kube::PostTrainingJobsResource(), "default", spec).ok());
  // Past the first checkpoints, well before the end.
  json running = WaitForJob(*client_, "default", "tiny-chaos", kJobTimeout, [](const json& j) {
    return Finished(j) ||
           j.value("status", json::object()).value("lastCheckpoint", json::object())
                   .value("step", 0) >= 100;
  });
  ASSERT_EQ(Phase(running), "Running") << running.dump(1) << cluster_->ComponentLogs();
  const absl::Time deleted = absl::Now();
  ASSERT_TRUE(client_->Delete(kube::PodsResource(), "default", "tiny-chaos-1-g0").ok());
  // Detection as the status shows it (polled every 200 ms), and the recovery after it.
  const auto pod_deleted_seen = [](const json& j) {
    for (const json& f : j.value("status", json::object()).value("faults", json::array())) {
      if (f.value("class", "") == "PodDeleted") return true;
    }
    return Finished(j);
  };
  const json detected =
      WaitForJob(*client_, "default", "tiny-chaos", kJobTimeout, pod_deleted_seen);
  std::cout << "PodDeleted in status " << absl::ToInt64Milliseconds(absl::Now() - deleted)
            << " ms after the delete (phase " << Phase(detected) << ")\n";

  const json job = WaitForJob(*client_, "default", "tiny-chaos", kJobTimeout, Finished);
  ASSERT_EQ(Phase(job), "Succeeded") << job.dump(1) << cluster_->ComponentLogs();
  const json& status = job["status"];
  EXPECT_EQ(status["step"], spec["spec"]["training"]["steps"]);
  ASSERT_TRUE(status.contains("faults")) << status.dump();
  bool deletion_recorded = false;
  for (const json& fault : status["faults"]) {
    std::cout << "fault " << fault.dump() << "\n";
    if (fault.value("class", "") != "PodDeleted") continue;
    deletion_recorded = true;
    EXPECT_EQ(fault["pod"], "tiny-chaos-1-g0");
    EXPECT_TRUE(fault.contains("recoveredAt")) << fault.dump();
    EXPECT_GT(fault.value("recoveryMillis", 0), 0) << fault.dump();
  }
  EXPECT_TRUE(deletion_recorded) << status.dump();
  EXPECT_GE(status["restarts"].value("total", 0), 1) << status.dump();
  // Only the lost pod was replaced: rank 0's pod restarted its ranks in place.
  // The job turns Succeeded on the agents' final heartbeats; nodesim writes the pod's final
  // status once its processes have exited, a little later.
  absl::StatusOr<json> kept;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (;; absl::SleepFor(absl::Milliseconds(100))) {
    kept = client_->Get(kube::PodsResource(), "default", "tiny-chaos-0-g0");
    const bool done = kept.ok() && (*kept)["status"].value("phase", "") == "Succeeded";
    if (done || absl::Now() > deadline) break;
  }
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ((*kept)["status"]["phase"], "Succeeded") << kept->dump();
  ASSERT_TRUE(status.contains("evaluation")) << status.dump();
  EXPECT_GE(status["evaluation"].value("accuracyAfter", 0.0), 0.9) << status.dump();
  const std::optional<std::string> loss =
      FinalLossOfRankZero(cluster_->data_dir(), "default", "tiny-chaos");
  ASSERT_TRUE(loss.has_value());
  std::cout << "tiny-chaos: final loss " << *loss << "\n";
  EXPECT_EQ(*loss, *undisturbed_loss_) << "the undisturbed run's final loss";
}

}  // namespace
}  // namespace flyover::e2e
