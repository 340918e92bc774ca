#include "operator/cached_cluster_view.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/cache/testing/fake_informer.h"
#include "kube/cache/testing/objects.h"
#include "kube/client/resource.h"
#include "kube/testing/fake_api_server.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

json JobPod(const std::string& ns, const std::string& name, const std::string& uid,
            const std::string& job_label, const std::string& node = "") {
  kube::ObjectSpec spec{.namespace_ = ns, .name = name, .controller_uid = uid};
  if (!job_label.empty()) spec.labels = {{"training.flyover.dev/job-name", job_label}};
  if (!node.empty()) spec.spec = {{"nodeName", node}};
  return kube::MakeObject(spec);
}

json NodeWithReady(const std::string& name, const std::string& ready) {
  json node = testing::NodeJson(name, "10.0.0.1", "0", 0);
  node["status"]["conditions"] = {{{"type", "Ready"}, {"status", ready}}};
  return node;
}

class CachedClusterViewTest : public ::testing::Test {
 protected:
  void Start() {
    ASSERT_TRUE(pods_.Start().ok());
    ASSERT_TRUE(nodes_.Start().ok());
    ASSERT_TRUE(leases_.Start().ok());
  }

  kube::PostTrainingJob Job() {
    kube::PostTrainingJob job;
    job.metadata.namespace_ = "default";
    job.metadata.name = "tiny";
    job.metadata.uid = "u1";
    return job;
  }

  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
  kube::FakeInformer pods_{&clock_, {.resource = "pods", .indexers = PodIndexers()}};
  kube::FakeInformer nodes_{&clock_, {.resource = "nodes"}};
  kube::FakeInformer leases_{&clock_, {.resource = "leases"}};
  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  CachedClusterView view_{&pods_.informer(), &nodes_.informer(), &leases_.informer(),
                          client_.get()};
};

TEST_F(CachedClusterViewTest, AnswersUnavailableUntilEveryCacheHasSynced) {
  EXPECT_TRUE(absl::IsUnavailable(view_.JobPods(Job()).status()));
  EXPECT_TRUE(absl::IsUnavailable(view_.Nodes({"n1"}).status()));
  Start();
  EXPECT_TRUE(view_.JobPods(Job()).ok());
}

TEST_F(CachedClusterViewTest, JobPodsAreThoseTheJobControlsAndLabels) {
  Start();
  ASSERT_TRUE(pods_.Create(JobPod("default", "tiny-0-g0", "u1", "tiny")).ok());
  ASSERT_TRUE(pods_.Create(JobPod("default", "tiny-1-g0", "u1", "tiny")).ok());
  ASSERT_TRUE(pods_.Create(JobPod("default", "other-0-g0", "u2", "other")).ok());
  ASSERT_TRUE(pods_.Create(JobPod("default", "unlabelled", "u1", "")).ok());
  ASSERT_TRUE(pods_.Create(JobPod("elsewhere", "tiny-0-g0", "u1", "tiny")).ok());
  absl::StatusOr<std::vector<json>> pods = view_.JobPods(Job());
  ASSERT_TRUE(pods.ok()) << pods.status();
  std::vector<std::string> names;
  for (const json& pod : *pods) names.push_back(pod["metadata"]["name"]);
  EXPECT_THAT(names, UnorderedElementsAre("tiny-0-g0", "tiny-1-g0"));
}

TEST_F(CachedClusterViewTest, ANodeMissingFromTheCacheIsReadFromTheApi) {
  Start();
  ASSERT_TRUE(nodes_.Create(NodeWithReady("n1", "True")).ok());
  ASSERT_TRUE(api_.Create(kube::NodesResource(), NodeWithReady("n2", "True")).ok());
  absl::StatusOr<std::map<std::string, json>> nodes = view_.Nodes({"n1", "n2", "n3"});
  ASSERT_TRUE(nodes.ok()) << nodes.status();
  EXPECT_EQ(nodes->size(), 2u);
  EXPECT_TRUE(nodes->contains("n1"));
  EXPECT_TRUE(nodes->contains("n2"));
  EXPECT_THAT(api_.ActionStrings(), ElementsAre("get nodes n2", "get nodes n3"));
}

TEST_F(CachedClusterViewTest, NodeLeasesComeFromKubeNodeLease) {
  Start();
  ASSERT_TRUE(leases_
                  .Create(kube::MakeObject({.api_version = "coordination.k8s.io/v1",
                                            .kind = "Lease",
                                            .namespace_ = kNodeLeaseNamespace,
                                            .name = "n1"}))
                  .ok());
  ASSERT_TRUE(leases_
                  .Create(kube::MakeObject({.api_version = "coordination.k8s.io/v1",
                                            .kind = "Lease",
                                            .namespace_ = "default",
                                            .name = "n2"}))
                  .ok());
  absl::StatusOr<std::map<std::string, json>> leases = view_.NodeLeases({"n1", "n2"});
  ASSERT_TRUE(leases.ok()) << leases.status();
  EXPECT_EQ(leases->size(), 1u);
  EXPECT_TRUE(leases->contains("n1"));
}

TEST_F(CachedClusterViewTest, ANodeThatStopsBeingReadyEnqueuesTheJobsWithPodsOnIt) {
  absl::Mutex mu;
  std::vector<std::string> enqueued;
  nodes_.informer().AddEventHandler(NodeLostHandler(&pods_.informer(), [&](const std::string& k) {
    absl::MutexLock lock(&mu);
    enqueued.push_back(k);
  }));
  Start();
  ASSERT_TRUE(pods_.Create(JobPod("default", "tiny-0-g0", "u1", "tiny", "n1")).ok());
  ASSERT_TRUE(pods_.Create(JobPod("default", "tiny-1-g0", "u1", "tiny", "n1")).ok());
  ASSERT_TRUE(pods_.Create(JobPod("default", "other-0-g0", "u2", "other", "n2")).ok());
  ASSERT_TRUE(nodes_.Create(NodeWithReady("n1", "True")).ok());
  ASSERT_TRUE(nodes_.Create(NodeWithReady("n2", "True")).ok());

  json relabelled = NodeWithReady("n1", "True");
  relabelled["metadata"]["labels"]["x"] = "y";
  ASSERT_TRUE(nodes_.Update(relabelled).ok());
  ASSERT_TRUE(nodes_.WaitForHandlers());
  {
    absl::MutexLock lock(&mu);
    EXPECT_THAT(enqueued, IsEmpty());
  }
  ASSERT_TRUE(nodes_.Update(NodeWithReady("n1", "Unknown")).ok());
  ASSERT_TRUE(nodes_.Update(NodeWithReady("n1", "False")).ok());  // still not Ready: no news
  ASSERT_TRUE(nodes_.Delete("n2").ok());
  ASSERT_TRUE(nodes_.WaitForHandlers());
  absl::MutexLock lock(&mu);
  // MakeObject names every controller "owner".
  EXPECT_THAT(enqueued, ElementsAre("default/owner", "default/owner"));
}

}  // namespace
}  // namespace flyover::op
