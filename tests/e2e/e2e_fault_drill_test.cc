// The fault drill, short: bench/e2e/fault_drill on its own process-mode local cluster
// (2 super-pods x 4 nodes) runs the tiny job at 300 steps fault-free, then again with two
// faults at random steps: a rank process SIGKILLed and a pod deleted. The drill itself
// checks Succeeded, rank 0's loss at every step (the agents' FLYOVER_LOSS_LOG), its final
// loss and the final checkpoint's shards against the fault-free run bit for bit, and that
// status lists both faults with detection and recovery times (bench/e2e/drill_report.h);
// this test reads its JSON report and checks the same facts from there, so a drill that
// checks nothing cannot pass.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kube/client/testing/temp_dir.h"
#include "nlohmann/json.hpp"

namespace flyover::e2e {
namespace {

using nlohmann::json;

// fault_drill's exit code (-1: did not exit) and its stdout and stderr together.
struct DrillRun {
  int exit_code = -1;
  std::string output;
};

DrillRun RunFaultDrill(const std::string& args) {
  DrillRun run;
  FILE* pipe = popen(absl::StrCat(FLYOVER_FAULT_DRILL, " ", args, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  return run;
}

// --help prints the flags and runs nothing: no cluster, no work directory.
TEST(FaultDrillTest, HelpPrintsTheFlagsAndRunsNothing) {
  const DrillRun run = RunFaultDrill("--help");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, ::testing::StartsWith("usage: fault_drill [--steps 1500]"));
  EXPECT_THAT(run.output, ::testing::HasSubstr("rank-kill,pod-delete,node-stop,device-ecc"));
  EXPECT_THAT(run.output, ::testing::Not(::testing::HasSubstr("fault drill in ")));
}

TEST(FaultDrillTest, RankKillAndPodDeleteLeaveTheLossBitIdentical) {
  kube::testing::TempDir dir;
  const std::string report_file = dir.path() + "/report.json";
  const DrillRun run = RunFaultDrill(absl::StrCat(
      "--steps 300 --faults 2 --kinds rank-kill,pod-delete --seed 9 --run-timeout 100s",
      " --work-dir ", dir.path(), "/drill --json-out ", report_file));
  std::cout << run.output;
  EXPECT_EQ(run.exit_code, 0) << run.output;

  std::ifstream in(report_file);
  std::stringstream text;
  text << in.rdbuf();
  const json report = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(report.is_object()) << text.str();
  EXPECT_EQ(report["passed"], true);
  ASSERT_EQ(report["runs"].size(), 1u);
  const json& faulted = report["runs"][0];
  EXPECT_EQ(faulted["phase"], "Succeeded");
  EXPECT_THAT(faulted["problems"], ::testing::IsEmpty());
  EXPECT_EQ(faulted["lossStepsEqual"], 300) << "rank 0's loss equal to the reference's at every step";
  ASSERT_EQ(faulted["faults"].size(), 2u);
  std::set<std::string> kinds;
  for (const json& fault : faulted["faults"]) {
    kinds.insert(fault["kind"].get<std::string>());
    EXPECT_EQ(fault["error"], "") << fault.dump();
    EXPECT_TRUE(fault.contains("seenSeconds")) << fault.dump();
    EXPECT_TRUE(fault.contains("recoveredSeconds")) << fault.dump();
    ASSERT_FALSE(fault["records"].empty()) << fault.dump();
    std::set<std::string> classes;
    for (const json& record : fault["records"]) {
      classes.insert(record["class"].get<std::string>());
      if (record["class"] == "Straggler") continue;
      EXPECT_TRUE(record.contains("detectedAt")) << record.dump();
      EXPECT_TRUE(record.contains("recoveryMillis")) << record.dump();
    }
    const std::string expected = fault["kind"] == "rank-kill" ? "RankExit" : "PodDeleted";
    EXPECT_TRUE(classes.count(expected)) << fault.dump();
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"rank-kill", "pod-delete"}));
}

}  // namespace
}  // namespace flyover::e2e
