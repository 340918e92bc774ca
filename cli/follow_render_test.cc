#include "cli/follow_render.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

// A finished job's status as the operator writes it, with two handled faults.
json FinishedJob() {
  return json::parse(R"({
    "metadata": {"name": "tiny", "namespace": "default"},
    "status": {
      "phase": "Succeeded", "step": 600, "totalSteps": 600,
      "startTime": "2026-12-01T10:00:00Z", "completionTime": "2026-12-01T10:01:12Z",
      "evaluation": {"accuracyBefore": 0.045, "accuracyAfter": 0.985, "examples": 200},
      "placement": {"superPods": ["sp0"], "superPodsSpanned": 1, "nodes": 2},
      "restarts": {"inPlace": 1, "reschedulePod": 1, "restartJob": 0, "total": 2},
      "faults": [
        {"class": "RankExit", "pod": "tiny-0-g0", "node": "sp0-node00", "rank": 1,
         "detectedAt": "2026-12-01T10:00:20.125Z", "detectionMillis": 35,
         "recoveryLevel": "InPlace", "recoveredAt": "2026-12-01T10:00:24Z",
         "recoveryMillis": 3875},
        {"class": "PodDeleted", "pod": "tiny-1-g1", "node": "sp0-node01",
         "detectedAt": "2026-12-01T10:00:40.5Z", "recoveryLevel": "ReschedulePod",
         "recoveredAt": "2026-12-01T10:00:49Z", "recoveryMillis": 8500}
      ]}})");
}

TEST(FollowRenderTest, ProgressLineShowsBarStepLossPhaseAndFaults) {
  json job = FinishedJob();
  job["status"]["phase"] = "Running";
  job["status"]["step"] = 300;
  EXPECT_EQ(RenderProgress(job, 1.23456, 10),
            "tiny [#####-----] 300/600  loss 1.2346  Running  faults 2");
}

TEST(FollowRenderTest, ProgressLineWithoutStatusOrLoss) {
  const json job = {{"metadata", {{"name", "fresh"}}}};
  EXPECT_EQ(RenderProgress(job, std::nullopt, 4), "fresh step 0  loss -  Pending  faults 0");
}

TEST(FollowRenderTest, ProgressBarIsClampedWhenStepPassesTotal) {
  json job = FinishedJob();
  job["status"]["step"] = 900;
  EXPECT_THAT(RenderProgress(job, std::nullopt, 4), HasSubstr("[####] 900/600"));
}

TEST(FollowRenderTest, SummaryListsStepsAccuracyPlacementRestartsAndEachFault) {
  const std::string summary = RenderSummary(FinishedJob());
  EXPECT_THAT(summary, HasSubstr("tiny: Succeeded after 1m12s\n"));
  EXPECT_THAT(summary, HasSubstr("steps      600/600\n"));
  EXPECT_THAT(summary, HasSubstr("accuracy   0.045 before -> 0.985 after (200 held-out examples)"));
  EXPECT_THAT(summary, HasSubstr("placement  2 node(s) on 1 super-pod(s) (sp0)"));
  EXPECT_THAT(summary, HasSubstr("restarts   2 (in place 1, reschedule pod 1, restart job 0)"));
  EXPECT_THAT(summary, HasSubstr("faults     2\n"));
  EXPECT_THAT(summary,
              HasSubstr("1. RankExit pod tiny-0-g0 node sp0-node00 rank 1: detected "
                        "10:00:20.125Z (35 ms after it happened), handled InPlace, "
                        "recovered in 3.9 s\n"));
  EXPECT_THAT(summary, HasSubstr("2. PodDeleted pod tiny-1-g1 node sp0-node01: detected "
                                 "10:00:40.5Z, handled ReschedulePod, recovered in 8.5 s\n"));
  EXPECT_THAT(summary, Not(HasSubstr("goodput")));
}

TEST(FollowRenderTest, SummaryShowsGoodputWhenStatusCarriesIt) {
  json job = FinishedJob();
  job["status"]["goodput"] = 0.9134;
  EXPECT_THAT(RenderSummary(job), HasSubstr("goodput    0.913\n"));
}

TEST(FollowRenderTest, UnhandledAndUnrecoveredFaults) {
  EXPECT_EQ(RenderFault({{"class", "Hang"}, {"pod", "p"}}), "Hang pod p, not handled yet");
  EXPECT_EQ(RenderFault({{"class", "Hang"}, {"pod", "p"}}, /*finished=*/true),
            "Hang pod p, not handled: the job finished first");
  EXPECT_EQ(RenderFault({{"class", "NodeNotReady"}, {"node", "n1"}, {"recoveryLevel", "RestartJob"}}),
            "NodeNotReady node n1, handled RestartJob, not recovered");
}

TEST(FollowRenderTest, FailedJobShowsItsReason) {
  json job = FinishedJob();
  job["status"]["phase"] = "Failed";
  job["status"]["conditions"] = json::array(
      {{{"type", "Failed"}, {"status", "True"}, {"reason", "MaxRestartsExceeded"},
        {"message", "faultTolerance.maxRestarts: all 2 restarts are used"}}});
  EXPECT_EQ(OutcomeOf(job), FollowOutcome::kFailed);
  EXPECT_THAT(RenderSummary(job),
              HasSubstr("failed     MaxRestartsExceeded: faultTolerance.maxRestarts: all 2"));
}

TEST(FollowRenderTest, OutcomeFollowsThePhase) {
  EXPECT_EQ(OutcomeOf(FinishedJob()), FollowOutcome::kSucceeded);
  EXPECT_EQ(OutcomeOf({{"status", {{"phase", "Recovering"}}}}), FollowOutcome::kRunning);
  EXPECT_EQ(OutcomeOf(json::object()), FollowOutcome::kRunning);
}

TEST(FollowRenderTest, MistypedFieldsRenderAsAbsent) {
  const json job = {{"metadata", {{"name", 7}}},
                    {"status", {{"step", "ten"}, {"faults", "none"}, {"evaluation", 3}}}};
  EXPECT_EQ(RenderProgress(job, std::nullopt, 4), "? step 0  loss -  Pending  faults 0");
  EXPECT_THAT(RenderSummary(job), HasSubstr("faults     0\n"));
}

}  // namespace
}  // namespace flyover::cli
