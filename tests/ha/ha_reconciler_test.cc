// The reconciler's side of a failover and of large jobs, on kube/testing's fake API server:
//   - a new leader (a fresh JobReconciler and registry on the same API) finishes the pods a
//     dead leader left half created: only the missing ranks, the same generation, and a pod
//     whose create answers AlreadyExists (the old leader's create landed after the new
//     leader listed) counts as done;
//   - many nodes are read with one LIST each of nodes and node Leases, never a GET per node;
//   - a node whose Lease expired is lost (NodeNotReady); a fresh or missing Lease is not.
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/api/post_training_job_codec.h"
#include "kube/client/resource.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "kube/testing/fake_api_server.h"
#include "operator/job_reconciler.h"
#include "operator/testing/job_fixtures.h"

namespace flyover::op {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr int kReplicas = 12;  // more nodes than the reconciler reads one by one

// One operator replica: its own registry and reconciler on the shared API.
struct Replica {
  Replica(kube::RestClient* client, Clock* clock)
      : registry(clock),
        reconciler(client, &registry, &events, nullptr,
                   {.pods = {.supervision_url = "http://op:9443"}, .clock = clock}) {}
  SupervisionRegistry registry;
  kube::FakeEventRecorder events;
  JobReconciler reconciler;
};

class HaReconcilerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < kReplicas; ++i) {
      ASSERT_TRUE(
          api_.Create(kube::NodesResource(),
                      testing::NodeJson(absl::StrCat("n", i), absl::StrCat("10.0.0.", i), "0", i))
              .ok());
    }
    nlohmann::json job = testing::JobJson("big", kReplicas, 16);
    job["spec"]["training"]["globalBatchSize"] = kReplicas * 16 * 4;
    ASSERT_TRUE(api_.Create(kube::PostTrainingJobsResource(), job).ok());
  }

  absl::Status Reconcile(Replica& replica) {
    return replica.reconciler.Reconcile("default/big").status();
  }

  kube::PostTrainingJob Job() {
    kube::ErrorList errors;
    return kube::DecodePostTrainingJob(
        api_.Get(kube::PostTrainingJobsResource(), "default", "big").value(), &errors);
  }

  std::set<std::string> PodNames() {
    std::set<std::string> names;
    for (const nlohmann::json& pod : api_.List(kube::PodsResource(), "default")) {
      names.insert(pod["metadata"]["name"].get<std::string>());
    }
    return names;
  }

  void BindAll() {
    std::vector<int> dies(16);
    for (int d = 0; d < 16; ++d) dies[d] = d;
    for (int i = 0; i < kReplicas; ++i) {
      ASSERT_TRUE(
          testing::BindPod(*client_, "default", PodName("big", i, 0), absl::StrCat("n", i), dies)
              .ok());
    }
  }

  void PutNodeLease(const std::string& node, absl::Time renewed) {
    ASSERT_TRUE(api_.Upsert(kube::LeasesResource(),
                            {{"apiVersion", "coordination.k8s.io/v1"},
                             {"kind", "Lease"},
                             {"metadata", {{"name", node}, {"namespace", "kube-node-lease"}}},
                             {"spec",
                              {{"holderIdentity", node},
                               {"leaseDurationSeconds", 40},
                               {"renewTime", absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", renewed,
                                                              absl::UTCTimeZone())}}}})
                    .ok());
  }

  kube::testing::FakeApiServer api_;
  std::unique_ptr<kube::RestClient> client_ = api_.NewClient();
  FakeClock clock_{absl::FromUnixSeconds(1795000000)};
};

TEST_F(HaReconcilerTest, NewLeaderCreatesOnlyTheMissingPodsInTheSameGeneration) {
  Replica dead(client_.get(), &clock_);
  api_.FailNextWithError({.verb = "create", .resource = "pods", .name = "big-5-g0"},
                         absl::UnavailableError("the leader was killed"));
  EXPECT_FALSE(Reconcile(dead).ok());
  // Pods go out in slow-start batches of 1, 2, 4, ...: the batch of ranks 3 to 6 ran whole,
  // rank 5's create failed, and no later batch started.
  ASSERT_THAT(PodNames(), SizeIs(6));

  // The dead leader's create of rank 7 lands after the new leader listed the pods.
  bool landed = false;
  api_.AddReactor(
      {.verb = "create", .resource = "pods", .name = "big-7-g0"},
      [&](const kube::testing::Action& action) -> std::optional<kube::testing::InjectedResponse> {
        if (landed) return std::nullopt;
        landed = api_.Create(kube::PodsResource(), action.body).ok();
        return kube::testing::StatusResponse(409, "AlreadyExists");
      });
  Replica leader(client_.get(), &clock_);
  ASSERT_TRUE(Reconcile(leader).ok());
  EXPECT_TRUE(landed);
  std::set<std::string> want;
  for (int i = 0; i < kReplicas; ++i) want.insert(PodName("big", i, 0));
  EXPECT_EQ(PodNames(), want);
  EXPECT_THAT(api_.ActionStrings({.verb = "delete", .resource = "pods"}), IsEmpty());
  EXPECT_EQ(Job().status.restart_generation, 0);
  EXPECT_EQ(Job().status.restarts.total, 0);

  BindAll();
  ASSERT_TRUE(Reconcile(leader).ok());
  EXPECT_EQ(Job().status.phase, kube::JobPhase::kRunning);
  EXPECT_EQ(Job().status.restart_generation, 0);
  EXPECT_THAT(PodNames(), SizeIs(kReplicas));
}

TEST_F(HaReconcilerTest, ManyNodesAreReadWithOneListNotAGetEach) {
  Replica leader(client_.get(), &clock_);
  ASSERT_TRUE(Reconcile(leader).ok());
  BindAll();
  api_.ClearActions();
  ASSERT_TRUE(Reconcile(leader).ok());  // builds the rank table
  ASSERT_EQ(Job().status.phase, kube::JobPhase::kRunning);
  ASSERT_TRUE(leader.registry.Progress("default.big")->rank_table.has_value());
  ASSERT_TRUE(Reconcile(leader).ok());  // running: node checks
  EXPECT_THAT(api_.ActionStrings({.verb = "get", .resource = "nodes"}), IsEmpty());
  EXPECT_THAT(api_.ActionStrings({.verb = "get", .resource = "leases"}), IsEmpty());
  EXPECT_THAT(api_.ActionStrings({.verb = "list", .resource = "nodes"}), SizeIs(2));
  EXPECT_THAT(api_.ActionStrings({.verb = "list", .resource = "leases"}), SizeIs(1));
  EXPECT_THAT(Job().status.faults, IsEmpty());  // no node has a Lease: judged by condition
}

TEST_F(HaReconcilerTest, NodeWhoseLeaseExpiredIsLost) {
  for (int i = 0; i < kReplicas; ++i) PutNodeLease(absl::StrCat("n", i), clock_.Now());
  Replica leader(client_.get(), &clock_);
  ASSERT_TRUE(Reconcile(leader).ok());
  BindAll();
  ASSERT_TRUE(Reconcile(leader).ok());
  ASSERT_EQ(Job().status.phase, kube::JobPhase::kRunning);
  clock_.Advance(absl::Seconds(30));  // within leaseDurationSeconds 40: nothing is lost
  ASSERT_TRUE(Reconcile(leader).ok());
  EXPECT_THAT(Job().status.faults, IsEmpty());

  for (int i = 0; i < kReplicas; ++i) {
    if (i != 3) PutNodeLease(absl::StrCat("n", i), clock_.Now());
  }
  clock_.Advance(absl::Seconds(11));  // n3 last renewed 41 s ago
  ASSERT_TRUE(Reconcile(leader).ok());
  const std::vector<kube::FaultRecord> faults = Job().status.faults;
  ASSERT_THAT(faults, SizeIs(1));
  EXPECT_EQ(faults[0].fault_class, "NodeNotReady");
  EXPECT_EQ(faults[0].node, "n3");
  EXPECT_EQ(faults[0].pod, PodName("big", 3, 0));
  EXPECT_THAT(faults[0].message, HasSubstr("stopped renewing its Lease"));
}

}  // namespace
}  // namespace flyover::op
