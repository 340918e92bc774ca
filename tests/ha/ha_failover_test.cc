// Operator failover in the middle of creating a 1,024-pod job (issue 9, high availability).
//
// `flyover local up` (simulated nodes: ha_cluster.h sizes the topology for
// deploy/examples/large-1024.yaml) starts the first flyover-operator, which takes the Lease
// default/flyover-operator; the test starts a second replica with the same command line. It
// applies large-1024.yaml and kills the leader with SIGKILL as soon as the first of the
// job's pods exists (pod creation is fast, so waiting longer risks a leader that finished).
// Then:
//   - nothing answers at the shared supervision address until the standby leads (only the
//     leader listens on it);
//   - the standby takes the Lease within the bound kube/controller/leader_elector.h states:
//     acquireTime - the dead leader's last renewTime lies in [lease duration, lease duration
//     + the standby's 250 ms observe period + request latency], latency allowed up to
//     kLatencyAllowance on a loaded two-core machine; so the takeover comes within the lease
//     duration of the kill unless the kill came less than about 250 ms after a renewal. The
//     times from the kill and from the dead lease's expiry are printed;
//   - a pod the dead leader created reaches the new leader at the supervision URL it was
//     given (FLYOVER_SUPERVISION_URL), with its job's token, as its agent would;
//   - exactly 1,024 pods of the job exist and stay so: one per rank index, all of the job's
//     restart generation 0 (a takeover is not a restart), named <job>-<rank>-g0, each with a
//     controller owner reference to the job, each bound (one per node).
#include <signal.h>

#include <iostream>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "kube/api/scheduling_annotations.h"
#include "kube/client/testing/temp_dir.h"
#include "tests/ha/ha_cluster.h"

namespace flyover::ha {
namespace {

using nlohmann::json;

constexpr char kJob[] = "large-1024";
constexpr int kReplicas = 1024;
// LeaderElectionConfig::observe_period's default, which flyover-operator uses.
constexpr absl::Duration kObservePeriod = absl::Milliseconds(250);
// Request latency and wake-up delays the bound allows on a loaded two-core machine.
constexpr absl::Duration kLatencyAllowance = absl::Milliseconds(750);

std::string SupervisionUrlOf(const json& pod) {
  for (const json& container : pod["spec"].value("containers", json::array())) {
    for (const json& env : container.value("env", json::array())) {
      if (env.value("name", "") == "FLYOVER_SUPERVISION_URL") return env.value("value", "");
    }
  }
  return "";
}

std::string Label(const json& pod, const char* key) {
  const json labels = pod["metadata"].value("labels", json::object());
  return labels.value(key, "");
}

bool OwnedByController(const json& pod, const std::string& uid) {
  for (const json& ref : pod["metadata"].value("ownerReferences", json::array())) {
    if (ref.value("uid", "") == uid && ref.value("controller", false) &&
        ref.value("kind", "") == "PostTrainingJob") {
      return true;
    }
  }
  return false;
}

class HaFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::Status up = cluster_.Up(kLargeSuperPods, kLargeNodesPerSuperPod);
    ASSERT_TRUE(up.ok()) << up << cluster_.ComponentLogs();
  }
  void TearDown() override {
    if (HasFailure()) std::cerr << cluster_.ComponentLogs() << "\n";
    absl::Status down = cluster_.Down();
    EXPECT_TRUE(down.ok()) << down;
  }

  // Polls until `done` or `timeout`; false on timeout.
  template <typename Done>
  bool WaitUntil(absl::Duration timeout, absl::Duration every, Done done) {
    for (absl::Time end = absl::Now() + timeout; absl::Now() < end; absl::SleepFor(every)) {
      if (done()) return true;
    }
    return done();
  }

  kube::testing::TempDir dir_;
  HaCluster cluster_{dir_.path()};
};

TEST_F(HaFailoverTest, StandbyTakesOverMidCreationAndLeavesExactlyOnePodPerRank) {
  absl::StatusOr<pid_t> primary = cluster_.PrimaryOperatorPid();
  ASSERT_TRUE(primary.ok()) << primary.status();
  absl::StatusOr<LeaseView> lease = cluster_.OperatorLease();
  ASSERT_TRUE(lease.ok()) << lease.status();
  ASSERT_EQ(lease->holder, HaCluster::IdentityOf(*primary));
  ASSERT_TRUE(cluster_.StartStandbyOperator().ok());
  const std::string standby = HaCluster::IdentityOf(cluster_.standby_pid());

  absl::StatusOr<json> job = cluster_.ApplyJob(FLYOVER_LARGE_EXAMPLE_FILE);
  ASSERT_TRUE(job.ok()) << job.status();
  const std::string uid = (*job)["metadata"].value("uid", "");
  const absl::Time applied = absl::Now();

  ASSERT_TRUE(WaitUntil(absl::Seconds(60), absl::Milliseconds(10), [&] {
    absl::StatusOr<bool> any = cluster_.AnyPodOf(kJob);
    return any.ok() && *any;
  })) << "the leader created no pods";
  ASSERT_EQ(::kill(*primary, SIGKILL), 0);
  const absl::Time killed = absl::Now();
  absl::StatusOr<std::vector<json>> at_kill = cluster_.JobPods(kJob);
  ASSERT_TRUE(at_kill.ok()) << at_kill.status();
  std::cout << "killed the leader " << absl::ToDoubleSeconds(killed - applied)
            << " s after apply, with " << at_kill->size() << " of " << kReplicas
            << " pods created\n";
  ASSERT_LT(at_kill->size(), static_cast<size_t>(kReplicas)) << "the leader finished first";
  ASSERT_FALSE(at_kill->empty());
  const std::string url = SupervisionUrlOf(at_kill->front());
  absl::StatusOr<std::string> token = cluster_.SupervisionToken(kJob);
  ASSERT_TRUE(token.ok()) << token.status();
  std::string body;
  absl::StatusOr<int> gap = cluster_.FetchRankTable(url, kJob, *token, &body);
  EXPECT_TRUE(absl::IsUnavailable(gap.status()))
      << url << " answered " << (gap.ok() ? *gap : 0) << " while no replica leads: " << body;

  absl::StatusOr<LeaseView> dead = cluster_.OperatorLease();
  ASSERT_TRUE(dead.ok()) << dead.status();
  LeaseView taken;
  ASSERT_TRUE(WaitUntil(absl::Seconds(60), absl::Milliseconds(50), [&] {
    absl::StatusOr<LeaseView> now = cluster_.OperatorLease();
    if (now.ok() && now->holder != standby) dead = *now;  // the dead leader's last renewal
    if (now.ok()) taken = *now;
    return now.ok() && now->holder == standby;
  })) << "the standby never took the Lease";
  const absl::Time took_over = absl::Now();
  const absl::Duration lease_duration = absl::Seconds(dead->lease_duration_seconds);
  const absl::Time expired = dead->renew_time + lease_duration;
  std::cout << "standby leads " << absl::ToDoubleSeconds(took_over - killed)
            << " s after the kill (observed by polling every 50 ms); acquireTime - kill = "
            << absl::ToDoubleSeconds(taken.acquire_time - killed)
            << " s; acquireTime - expiry of the dead leader's lease = "
            << absl::ToDoubleSeconds(taken.acquire_time - expired) << " s; the kill came "
            << absl::ToDoubleSeconds(killed - dead->renew_time)
            << " s after its last renewal; lease duration " << dead->lease_duration_seconds
            << " s\n";
  EXPECT_EQ(taken.transitions, dead->transitions + 1);
  EXPECT_GE(taken.acquire_time - dead->renew_time, lease_duration);  // never early
  EXPECT_LE(taken.acquire_time - dead->renew_time,
            lease_duration + kObservePeriod + kLatencyAllowance);

  // A pod of the dead leader reaches the new one at the address it was given.
  int answer = 0;
  EXPECT_TRUE(WaitUntil(absl::Seconds(20), absl::Milliseconds(100), [&] {
    absl::StatusOr<int> status = cluster_.FetchRankTable(url, kJob, *token, &body);
    answer = status.ok() ? *status : 0;
    return answer == 200 || (answer == 404 && body.find("ranktable:") != std::string::npos);
  })) << url << " answered " << answer << ": " << body;
  std::cout << "a pod of the dead leader reached the new leader at " << url << ": HTTP "
            << answer << " " << absl::ToDoubleSeconds(absl::Now() - killed)
            << " s after the kill\n";

  ASSERT_TRUE(WaitUntil(absl::Seconds(90), absl::Milliseconds(250), [&] {
    absl::StatusOr<PodCensus> census = cluster_.Census(kJob);
    return census.ok() && census->pods >= kReplicas && census->bound >= kReplicas;
  })) << "not every pod was created and bound";
  std::cout << "all " << kReplicas << " pods bound " << absl::ToDoubleSeconds(absl::Now() - applied)
            << " s after apply\n";
  absl::SleepFor(absl::Seconds(3));  // a late duplicate would show up by now

  absl::StatusOr<std::vector<json>> pods = cluster_.JobPods(kJob);
  ASSERT_TRUE(pods.ok()) << pods.status();
  EXPECT_EQ(pods->size(), static_cast<size_t>(kReplicas));
  std::set<int> ranks;
  std::set<std::string> nodes;
  for (const json& pod : *pods) {
    const std::string name = pod["metadata"].value("name", "");
    int rank = -1;
    EXPECT_TRUE(absl::SimpleAtoi(Label(pod, kube::scheduling::kLabelRankIndex), &rank)) << name;
    EXPECT_TRUE(ranks.insert(rank).second) << "rank index " << rank << " twice: " << name;
    EXPECT_EQ(Label(pod, kube::scheduling::kLabelGeneration), "0") << name;
    EXPECT_EQ(name, absl::StrCat(kJob, "-", rank, "-g0"));
    EXPECT_TRUE(OwnedByController(pod, uid)) << name << " has no owner reference to the job";
    const std::string node = pod.value("spec", json::object()).value("nodeName", "");
    EXPECT_FALSE(node.empty()) << name << " is not bound";
    EXPECT_TRUE(nodes.insert(node).second) << name << " shares node " << node;
  }
  EXPECT_EQ(ranks.size(), static_cast<size_t>(kReplicas));
  if (!ranks.empty()) {
    EXPECT_EQ(*ranks.begin(), 0);
    EXPECT_EQ(*ranks.rbegin(), kReplicas - 1);
  }
}

}  // namespace
}  // namespace flyover::ha
