#include "bench/e2e/drill_report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::drill {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

json Record(const std::string& fault_class, const std::string& level, int64_t recovery_ms) {
  return {{"class", fault_class}, {"pod", "drill-1-1-g0"}, {"detectedAt", "2026-12-01T10:00:00Z"},
          {"detectionMillis", 40}, {"recoveryLevel", level},
          {"recoveredAt", "2026-12-01T10:00:05Z"}, {"recoveryMillis", recovery_ms}};
}

RunResult PassingRun() {
  RunResult run;
  run.job = {{"metadata", {{"name", "drill-1"}}},
             {"status", {{"phase", "Succeeded"}, {"step", 300}}}};
  InjectedFault kill{.planned = {.step = 100, .kind = FaultKind::kRankKill}, .step = 101,
                     .target = "pod drill-1-1-g0 rank pid 42",
                     .seen = absl::Milliseconds(300), .recovered = absl::Seconds(4)};
  kill.records = {Record("RankExit", "InPlace", 3500)};
  InjectedFault deleted{.planned = {.step = 200, .kind = FaultKind::kPodDelete}, .step = 204,
                        .target = "pod drill-1-0-g1", .seen = absl::Milliseconds(500),
                        .recovered = absl::Seconds(9)};
  deleted.records = {Record("PodDeleted", "ReschedulePod", 8000),
                     {{"class", "Straggler"}, {"pod", "drill-1-1-g1"}}};
  run.faults = {kill, deleted};
  return run;
}

TEST(CheckRunTest, APassingRunHasNoProblems) {
  EXPECT_THAT(CheckRun(PassingRun(), 300, "1.5", "1.5", absl::OkStatus()), IsEmpty());
}

TEST(CheckRunTest, NamesEachProblem) {
  RunResult run = PassingRun();
  run.job["status"]["phase"] = "Failed";
  run.job["status"]["step"] = 250;
  run.faults[0].records[0].erase("recoveredAt");
  run.faults[1].records.clear();
  run.faults[1].error = "not recovered within 120 s";
  const std::vector<std::string> problems =
      CheckRun(run, 300, "1.5", "1.25", absl::FailedPreconditionError("shard-00001 differs"));
  EXPECT_THAT(problems,
              ElementsAre(HasSubstr("phase is \"Failed\""), HasSubstr("status.step 250 != 300"),
                          HasSubstr("rank-kill at step 101: record"),
                          HasSubstr("pod-delete at step 204: not recovered within 120 s"),
                          HasSubstr("pod-delete at step 204: no record in status.faults"),
                          HasSubstr("rank 0 final loss 1.5 != reference 1.25"),
                          HasSubstr("final checkpoint: shard-00001 differs")));
  EXPECT_THAT(problems[2], HasSubstr("lacks recoveredAt"));
}

TEST(CheckRunTest, UnknownLossIsAProblem) {
  EXPECT_THAT(CheckRun(PassingRun(), 300, std::nullopt, "1.5", absl::OkStatus()),
              ElementsAre(HasSubstr("rank 0 final loss ? != reference 1.5")));
}

TEST(DistributionTableTest, PerKindOutsideAndOperatorTimesBesideTargets) {
  const std::string table = DistributionTable({PassingRun(), PassingRun()});
  EXPECT_THAT(table, HasSubstr("rank-kill  (target: detection p99 <= 2 s, recovery p99 <= 10 s"));
  EXPECT_THAT(table, HasSubstr("pod-delete  (target: detection p99 <= 2 s, recovery p99 <= 20 s"));
  EXPECT_THAT(table, HasSubstr("fault -> in status     n=2 p50=0.30"));
  EXPECT_THAT(table, HasSubstr("fault -> recovered     n=2 p50=9.00"));
  EXPECT_THAT(table, HasSubstr("operator detection     n=2 p50=0.04"));
  EXPECT_THAT(table, HasSubstr("operator recovery      n=2 p50=8.00"));
  EXPECT_THAT(table, HasSubstr("records by level       ReschedulePod 2, none 2"));
}

TEST(FaultLinesTest, OneLinePerFaultAndJson) {
  const RunResult run = PassingRun();
  EXPECT_THAT(FaultLines(run),
              HasSubstr("rank-kill planned step 100, hit at step 101: pod drill-1-1-g0 rank pid "
                        "42; in status after 0.30s, recovered after 4.00s; records "
                        "RankExit/InPlace\n"));
  const json j = RunJson(run);
  EXPECT_EQ(j["job"], "drill-1");
  EXPECT_EQ(j["phase"], "Succeeded");
  ASSERT_EQ(j["faults"].size(), 2u);
  EXPECT_EQ(j["faults"][1]["kind"], "pod-delete");
  EXPECT_DOUBLE_EQ(j["faults"][1]["recoveredSeconds"].get<double>(), 9.0);
  EXPECT_EQ(j["faults"][1]["records"][0]["class"], "PodDeleted");
}

}  // namespace
}  // namespace flyover::drill
