// flyover-scheduler (FlyoverScheduler, every real part) against flyover-apiserver in process:
// 16 simulated 910C nodes in two super-pods, PostTrainingJobs with their gangs of pods.
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "apiserver/server/api_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_testing.h"
#include "kube/api/yaml.h"
#include "kube/client/resource.h"
#include "kube/controller/event_recorder.h"
#include "kube/controller/event_sink.h"
#include "scheduler/cache/testing/objects.h"
#include "scheduler/flyover_scheduler.h"

namespace flyover::sched {
namespace {

using nlohmann::json;

constexpr int kSuperPods = 2;
constexpr int kNodesPerSuperPod = 8;

bool Eventually(const std::function<bool()>& done, absl::Duration timeout = absl::Seconds(60)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

class SchedulerApiserverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/flyover-sched-e2e-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    apiserver::ApiServerOptions options{.data_dir = dir_};
    options.http.port = 0;
    absl::StatusOr<std::unique_ptr<apiserver::ApiServer>> server =
        apiserver::ApiServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    absl::StatusOr<std::unique_ptr<kube::RestClient>> client =
        kube::NewRestClient({.server = server_->url()}, {.rate_limit = {.qps = 0}});
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    InstallCrdAndNamespace();
    for (int sp = 0; sp < kSuperPods; ++sp) {
      for (int i = 0; i < kNodesPerSuperPod; ++i)
        CreateNode(absl::StrCat("sp", sp, "-n", i), sp, i);
    }
    sink_ = std::make_unique<kube::RestEventSink>(client_.get());
    absl::StatusOr<std::unique_ptr<kube::SinkEventRecorder>> recorder =
        kube::SinkEventRecorder::Create(sink_.get(), {.component = "flyover-scheduler"});
    ASSERT_TRUE(recorder.ok()) << recorder.status();
    recorder_ = *std::move(recorder);
    FlyoverSchedulerOptions scheduler_options;
    scheduler_options.core.spare_nodes_per_super_pod = 0;
    scheduler_options.core.super_pod_nodes = kNodesPerSuperPod;
    scheduler_options.queue = {.initial_backoff = absl::Milliseconds(50),
                               .max_backoff = absl::Milliseconds(200)};
    absl::StatusOr<std::unique_ptr<FlyoverScheduler>> scheduler =
        FlyoverScheduler::Create(client_.get(), recorder_.get(), scheduler_options);
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    scheduler_ = *std::move(scheduler);
    ASSERT_TRUE(scheduler_->Start().ok());
  }
  void TearDown() override {
    if (scheduler_) scheduler_->Stop();
    if (recorder_) recorder_->Stop();
    client_.reset();
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }

  void InstallCrdAndNamespace() {
    static const kube::ResourceDescriptor crds{"apiextensions.k8s.io", "v1",
                                               "customresourcedefinitions",
                                               "CustomResourceDefinition", false};
    absl::StatusOr<std::vector<json>> docs = kube::ReadYamlFile(FLYOVER_PTJ_CRD_FILE);
    ASSERT_TRUE(docs.ok()) << docs.status();
    for (const json& crd : *docs) ASSERT_TRUE(client_->Create(crds, "", crd).ok());
    absl::StatusOr<json> ns = client_->Create(
        kube::NamespacesResource(), "",
        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ml"}}}});
    ASSERT_TRUE(ns.ok() || absl::IsAlreadyExists(ns.status())) << ns.status();
  }
  void CreateNode(const std::string& name, int super_pod, int server) {
    json node = testing::MakeNode(name, super_pod, server);
    absl::StatusOr<json> created = client_->Create(kube::NodesResource(), "", node);
    ASSERT_TRUE(created.ok()) << created.status();
    (*created)["status"] = node["status"];  // status is the node's own to report
    ASSERT_TRUE(client_->UpdateStatus(kube::NodesResource(), *created).ok());
  }
  void CreateJob(const std::string& job, int pods, int npus, int block) {
    json object = kube::testing::MinimalJobJson();
    object["metadata"] = {{"name", job}, {"namespace", "ml"}};
    object["spec"]["replicas"] = pods;
    object["spec"]["npusPerReplica"] = npus;
    object["spec"]["training"]["microBatchSize"] = 1;
    object["spec"]["training"]["globalBatchSize"] = pods * npus;
    absl::StatusOr<json> created = client_->Create(kube::PostTrainingJobsResource(), "ml", object);
    ASSERT_TRUE(created.ok()) << created.status();
    for (int i = 0; i < pods; ++i) {
      json pod = testing::MakeGangPod({.name = absl::StrCat(job, "-", i),
                                       .gang = job + "-g0",
                                       .min_member = pods,
                                       .npus = npus,
                                       .rank = i,
                                       .job = job});
      pod["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-block"] =
          absl::StrCat(block);
      pod["metadata"]["annotations"]["scheduling.flyover.dev/super-pod-affinity"] = "Required";
      pod["metadata"].erase("creationTimestamp");
      ASSERT_TRUE(client_->Create(kube::PodsResource(), "ml", pod).ok());
    }
  }
  std::vector<json> Pods(const std::string& job) {
    absl::StatusOr<kube::ObjectList> list =
        client_->List(kube::PodsResource(), "ml",
                      {.label_selector = absl::StrCat("training.flyover.dev/job-name=", job)});
    return list.ok() ? list->items : std::vector<json>{};
  }
  int BoundCount(const std::string& job) {
    int bound = 0;
    for (const json& pod : Pods(job)) bound += !pod["spec"].value("nodeName", "").empty();
    return bound;
  }
  json JobCondition(const std::string& job) {
    absl::StatusOr<json> object = client_->Get(kube::PostTrainingJobsResource(), "ml", job);
    if (!object.ok() || !(*object)["status"].is_object()) return nullptr;
    for (const json& c : (*object)["status"].value("conditions", json::array())) {
      if (c["type"] == "Schedulable") return c;
    }
    return nullptr;
  }

  std::string dir_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<kube::RestEventSink> sink_;
  std::unique_ptr<kube::SinkEventRecorder> recorder_;
  std::unique_ptr<FlyoverScheduler> scheduler_;
};

TEST_F(SchedulerApiserverTest, GangsAreBoundWholeWithAnnotationsAndNoDieReused) {
  ASSERT_NO_FATAL_FAILURE(CreateJob("a", 8, 16, 128));  // one logical super-pod of 8 nodes
  ASSERT_NO_FATAL_FAILURE(CreateJob("b", 12, 8, 96));   // 12 half nodes
  ASSERT_TRUE(Eventually([&] { return BoundCount("a") == 8 && BoundCount("b") == 12; }))
      << "a: " << BoundCount("a") << " b: " << BoundCount("b");
  std::map<std::string, topology::DieSet> held;
  std::set<std::string> super_pods_of_a;
  for (const std::string job : {"a", "b"}) {
    for (const json& pod : Pods(job)) {
      const json& annotations = pod["metadata"]["annotations"];
      absl::StatusOr<topology::DieSet> dies =
          topology::DieSet::ParseDeviceNames(annotations.value("huawei.com/Ascend910", "missing"));
      ASSERT_TRUE(dies.ok()) << pod.dump();
      EXPECT_EQ(dies->Count(), job == "a" ? 16 : 8);
      EXPECT_EQ(annotations["hccl/rankIndex"],
                pod["metadata"]["name"].get<std::string>().substr(2));
      const std::string node = pod["spec"]["nodeName"];
      EXPECT_EQ(annotations["scheduling.flyover.dev/super-pod-id"], node.substr(2, 1)) << node;
      EXPECT_TRUE((held[node] & *dies).empty()) << "die reused on " << node;
      held[node] = held[node] | *dies;
      if (job == "a") super_pods_of_a.insert(annotations["scheduling.flyover.dev/super-pod-id"]);
    }
  }
  EXPECT_EQ(super_pods_of_a.size(), 1u) << "a required super-pod block split";
  ASSERT_TRUE(Eventually([&] { return JobCondition("a").is_object(); }));
  EXPECT_EQ(JobCondition("a")["status"], "True");
}

TEST_F(SchedulerApiserverTest, UnschedulableGangGetsConditionEventAndMessage) {
  ASSERT_NO_FATAL_FAILURE(CreateJob("big", 16, 16, 128));  // fills both super-pods
  ASSERT_TRUE(Eventually([&] { return BoundCount("big") == 16; }));
  ASSERT_NO_FATAL_FAILURE(CreateJob("late", 2, 16, 32));
  ASSERT_TRUE(Eventually([&] {
    json condition = JobCondition("late");
    return condition.is_object() && condition["status"] == "False";
  }));
  const json condition = JobCondition("late");
  EXPECT_EQ(condition["reason"], "Unschedulable");
  const std::string message = condition["message"];
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(BoundCount("late"), 0);
  for (const json& pod : Pods("late")) {
    const json& scheduled = pod["status"]["conditions"][0];
    EXPECT_EQ(scheduled["type"], "PodScheduled");
    EXPECT_EQ(scheduled["status"], "False");
    EXPECT_EQ(scheduled["reason"], "Unschedulable");
    EXPECT_EQ(scheduled["message"], message);
  }
  ASSERT_TRUE(recorder_->Flush(absl::Seconds(10)));
  absl::StatusOr<kube::ObjectList> events = client_->List(kube::EventsResource(), "ml");
  ASSERT_TRUE(events.ok()) << events.status();
  bool found = false;
  for (const json& event : events->items) {
    found = found ||
            (event["reason"] == "FailedScheduling" && event["involvedObject"]["name"] == "late" &&
             event["message"].get<std::string>().find(message) != std::string::npos);
  }
  EXPECT_TRUE(found) << "no FailedScheduling event on job late";
}

}  // namespace
}  // namespace flyover::sched
