// Leader election over real HTTP: LeaseLeaderElector + RestLeaseLock against the scripted
// API server on 127.0.0.1, with one FakeClock shared by the candidates.
#include <memory>
#include <string>

#include "common/fake_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/rest_client.h"
#include "kube/client/testing/scripted_api_server.h"
#include "kube/controller/leader_elector.h"
#include "kube/controller/testing/elector_runner.h"

namespace flyover::kube {
namespace {

using nlohmann::json;
using testing::ScriptedApiServer;

constexpr char kLeasePath[] = "/apis/coordination.k8s.io/v1/namespaces/flyover-system/leases/op";

class LeaderElectionProtocolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.AddResource(LeasesResource());
    ASSERT_TRUE(server_.Start().ok());
  }

  // A candidate with a client of its own, as separate replicas would have.
  std::unique_ptr<LeaseLeaderElector> Candidate(const std::string& identity) {
    RestConfig config;
    config.server = server_.url();
    auto client = NewRestClient(config, {.rate_limit = {.qps = 0}, .clock = &clock_});
    EXPECT_TRUE(client.ok()) << client.status();
    clients_.push_back(*std::move(client));
    auto elector = LeaseLeaderElector::Create(
        std::make_unique<RestLeaseLock>(clients_.back().get(), "flyover-system", "op"),
        {.identity = identity, .jitter_factor = 0, .clock = &clock_});
    EXPECT_TRUE(elector.ok()) << elector.status();
    return *std::move(elector);
  }

  json Spec() {
    std::optional<json> lease = server_.Object(LeasesResource(), "flyover-system", "op");
    return lease.has_value() ? (*lease)["spec"] : json();
  }

  void Step(int waiters) {
    ASSERT_TRUE(clock_.BlockUntilWaiters(waiters));
    clock_.Advance(absl::Seconds(2));
  }

  FakeClock clock_;
  ScriptedApiServer server_;
  std::vector<std::unique_ptr<RestClient>> clients_;
};

TEST_F(LeaderElectionProtocolTest, OneLeaderWhileItRenewsAndReleaseHandsOverAtOnce) {
  auto a = Candidate("replica-a");
  auto b = Candidate("replica-b");
  auto run_a = std::make_unique<ElectorRunner>(a.get());
  ASSERT_TRUE(run_a->WaitStartedLeading());
  EXPECT_EQ(Spec()["holderIdentity"], "replica-a");
  EXPECT_EQ(Spec()["leaseTransitions"], 0);
  EXPECT_EQ(Spec()["acquireTime"], "2026-01-01T00:00:00.000000Z");

  ElectorRunner run_b(b.get());
  for (int i = 0; i < 12; ++i) Step(2);  // 24 s: longer than the lease, but a renews
  ASSERT_TRUE(clock_.BlockUntilWaiters(2));
  EXPECT_FALSE(run_b.started_leading());
  EXPECT_EQ(b->Leader(), "replica-a");
  EXPECT_EQ(Spec()["holderIdentity"], "replica-a");
  EXPECT_EQ(Spec()["renewTime"], "2026-01-01T00:00:24.000000Z");

  // Every renewal was a conditional write.
  for (const auto& put : server_.requests("PUT", kLeasePath)) {
    EXPECT_FALSE(json::parse(put.body)["metadata"]["resourceVersion"].get<std::string>().empty());
  }

  run_a->Stop();  // releases the lease
  EXPECT_TRUE(run_a->result().ok());
  EXPECT_EQ(Spec()["holderIdentity"], "");
  EXPECT_EQ(Spec()["leaseDurationSeconds"], 1);

  Step(1);  // b's next retry, 2 s later: no need to wait out the 15 s lease
  ASSERT_TRUE(run_b.WaitStartedLeading());
  EXPECT_EQ(Spec()["holderIdentity"], "replica-b");
  EXPECT_EQ(Spec()["leaseTransitions"], 1);
  EXPECT_EQ(Spec()["acquireTime"], "2026-01-01T00:00:26.000000Z");
}

TEST_F(LeaderElectionProtocolTest, ALeaderThatCannotRenewStopsLeading) {
  auto a = Candidate("replica-a");
  ElectorRunner run_a(a.get());
  ASSERT_TRUE(run_a.WaitStartedLeading());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));  // renewed once, waiting for the next period
  server_.InjectResponse("*", kLeasePath, 503,
                         R"({"kind":"Status","status":"Failure","reason":"ServiceUnavailable",)"
                         R"("code":503,"message":"etcd unavailable"})",
                         {}, /*times=*/100);
  for (int i = 0; i < 6; ++i) Step(1);
  ASSERT_TRUE(run_a.WaitFinished());
  EXPECT_TRUE(absl::IsAborted(run_a.result())) << run_a.result();
  EXPECT_TRUE(run_a.stopped_leading());
  EXPECT_FALSE(a->IsLeader());
  // Acquire, the renewal right after it, then 5 failed attempts.
  EXPECT_EQ(server_.requests("GET", kLeasePath).size(), 7u);
}

TEST_F(LeaderElectionProtocolTest, AConflictIsARetryNotALoss) {
  auto a = Candidate("replica-a");
  ElectorRunner run_a(a.get());
  ASSERT_TRUE(run_a.WaitStartedLeading());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  server_.InjectResponse("PUT", kLeasePath, 409,
                         R"({"kind":"Status","status":"Failure","reason":"Conflict",)"
                         R"("code":409,"message":"the object has been modified"})");
  Step(1);  // the renewal conflicts
  Step(1);  // the retry succeeds
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  EXPECT_TRUE(a->IsLeader());
  EXPECT_EQ(Spec()["renewTime"], "2026-01-01T00:00:04.000000Z");
}

TEST_F(LeaderElectionProtocolTest, ALeaseTakenByAnotherClientIsRespected) {
  auto a = Candidate("replica-a");
  ElectorRunner run_a(a.get());
  ASSERT_TRUE(run_a.WaitStartedLeading());
  ASSERT_TRUE(clock_.BlockUntilWaiters(1));
  // Someone else (say, an operator of the cluster) hands the lease to replica-c.
  json lease = *server_.Object(LeasesResource(), "flyover-system", "op");
  lease["spec"]["holderIdentity"] = "replica-c";
  server_.Upsert(LeasesResource(), lease);
  for (int i = 0; i < 6; ++i) Step(1);
  ASSERT_TRUE(run_a.WaitFinished());
  EXPECT_TRUE(absl::IsAborted(run_a.result()));
  EXPECT_EQ(Spec()["holderIdentity"], "replica-c");
  EXPECT_EQ(a->Leader(), "replica-c");
}

}  // namespace
}  // namespace flyover::kube
