// fault_drill: the issue-9 acceptance drill on a process-mode local cluster.
//
//   fault_drill [--steps 1500] [--faults 5] [--kinds rank-kill,pod-delete,node-stop,device-ecc]
//               [--runs 1] [--seed N] [--super-pods 2] [--nodes-per-super-pod 4]
//               [--backoff-max-seconds 1] [--run-timeout 20m] [--work-dir DIR]
//               [--json-out FILE] [--keep-cluster] [--flyover BIN] [--tiny FILE] [--help]
//
// --flyover defaults to the `flyover` built beside this program (its directory's binaries
// form the cluster), --tiny to the source tree's deploy/examples/tiny.yaml.
// Starts `flyover local up --mode process` in DIR/cluster, runs deploy/examples/tiny.yaml
// at --steps fault-free (the reference), then --runs times with --faults faults at random
// steps of random kinds (drill_run.h), each run with its own checkpoint directory and
// loss log (FLYOVER_LOSS_LOG, DIR/losses/<job>.jsonl, shared by the job's pods). Each
// faulted run must Succeed with rank 0's loss at every step 1..--steps (the last one
// logged; drill_losses.h), its final loss and its final checkpoint's shards equal to the
// reference's bit for bit, and every fault in status with detection and recovery times
// (drill_report.h). Prints each fault, then the distributions per kind beside the
// targets. Exit status: 0 every check passed, 1 one failed, 2 bad flags or no cluster.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/e2e/drill_flags.h"
#include "bench/e2e/drill_losses.h"
#include "bench/e2e/drill_report.h"
#include "bench/e2e/drill_run.h"
#include "kube/api/yaml.h"

namespace flyover::drill {
namespace {

using nlohmann::json;

// The job's loss log; its pods are processes on this host.
std::string LossLogPath(const DrillFlags& flags, const std::string& name) {
  return absl::StrCat(flags.work_dir, "/losses/", name, ".jsonl");
}

// A work directory used before may hold an earlier job's log under the same name.
void ForgetLossLog(const DrillFlags& flags, const std::string& name) {
  std::error_code ignored;
  std::filesystem::remove(LossLogPath(flags, name), ignored);
}

StepLosses RankZeroLosses(const DrillFlags& flags, const std::string& name) {
  return ReadStepLosses(ReadWholeFile(LossLogPath(flags, name)), 0);
}

json Manifest(const json& tiny, const DrillFlags& flags, const std::string& name) {
  json job = tiny;
  job["metadata"]["name"] = name;
  job["spec"]["training"]["steps"] = flags.steps;
  job["spec"]["checkpoint"]["path"] = absl::StrCat(flags.work_dir, "/checkpoints/", name);
  json& container = job["spec"]["template"]["spec"]["containers"][0];
  if (!container.contains("env")) container["env"] = json::array();
  container["env"].push_back({{"name", "FLYOVER_LOSS_LOG"}, {"value", LossLogPath(flags, name)}});
  job["spec"]["faultTolerance"]["maxRestarts"] = 100;
  job["spec"]["faultTolerance"]["backoff"] = {{"initialSeconds", 1},
                                              {"maxSeconds", flags.backoff_max_seconds}};
  return job;
}

// Where the job's ranks write checkpoints: <checkpoint.path>/<namespace>.<name>.
std::string CheckpointRoot(const DrillFlags& flags, const std::string& name) {
  return absl::StrCat(flags.work_dir, "/checkpoints/", name, "/default.", name);
}

// The faulted runs after a fault-free reference; the exit status.
int Drill(LocalCluster& cluster, kube::RestClient& client, const json& tiny,
          const DrillFlags& flags) {
  const json reference_manifest = Manifest(tiny, flags, "drill-ref");
  std::cout << "reference: drill-ref, " << flags.steps << " steps, no fault" << std::endl;
  ForgetLossLog(flags, "drill-ref");
  const RunResult reference = RunJob(cluster, client, {.manifest = reference_manifest,
                                                       .timeout = flags.run_timeout});
  const std::optional<std::string> reference_loss =
      FinalLossOfRankZero(cluster.data_dir(), "default", "drill-ref");
  std::cout << "reference: " << reference.job.value("status", json::object()).value("phase", "?")
            << ", rank 0 final loss " << reference_loss.value_or("?") << std::endl;
  const StepLosses reference_losses = RankZeroLosses(flags, "drill-ref");
  const LossComparison complete =
      CompareStepLosses(reference_losses, reference_losses, flags.steps);
  std::cout << "reference: rank 0 logged a loss for " << complete.equal << " of " << flags.steps
            << " steps" << std::endl;
  if (reference.job.value("status", json::object()).value("phase", "") != "Succeeded" ||
      !reference_loss || !complete.problem.empty()) {
    std::cerr << "fault drill: the reference run did not succeed\n" << reference.job.dump(1)
              << cluster.ComponentLogs() << "\n";
    return 1;
  }
  std::vector<RunResult> runs;
  json report = {{"seed", flags.seed}, {"steps", flags.steps}, {"runs", json::array()}};
  bool passed = true;
  for (int r = 1; r <= flags.runs; ++r) {
    const std::string name = absl::StrCat("drill-", r);
    const int64_t first = flags.steps * 8 / 100, last = flags.steps * 80 / 100;
    absl::StatusOr<std::vector<PlannedFault>> plan = PlanFaults(
        {.count = flags.faults, .kinds = flags.kinds, .first = first, .last = last,
         .spacing = (last - first) / (flags.faults + 1), .seed = flags.seed + r});
    if (!plan.ok()) {
      std::cerr << "fault drill: " << plan.status() << "\n";
      return 2;
    }
    std::cout << "run " << name << ": " << flags.faults << " faults (seed " << flags.seed + r
              << ")" << std::endl;
    ForgetLossLog(flags, name);
    runs.push_back(RunJob(cluster, client, {.manifest = Manifest(tiny, flags, name),
                                            .plan = *plan, .timeout = flags.run_timeout,
                                            .seed = flags.seed + r}));
    const std::optional<std::string> loss = FinalLossOfRankZero(cluster.data_dir(), "default", name);
    std::vector<std::string> problems = CheckRun(
        runs.back(), flags.steps, loss, reference_loss,
        SameCheckpointShards(CheckpointRoot(flags, "drill-ref"), CheckpointRoot(flags, name),
                             flags.steps));
    const LossComparison losses =
        CompareStepLosses(reference_losses, RankZeroLosses(flags, name), flags.steps);
    if (!losses.problem.empty()) problems.push_back("per-step loss of rank 0: " + losses.problem);
    std::cout << FaultLines(runs.back()) << "  rank 0 final loss " << loss.value_or("?")
              << ", per-step loss equal to the reference's at " << losses.equal << " of "
              << flags.steps << " steps"
              << (problems.empty() ? "; PASSED" : "; FAILED") << "\n";
    for (const std::string& p : problems) std::cout << "  problem: " << p << "\n";
    if (!problems.empty()) std::cout << cluster.ComponentLogs() << "\n";
    passed = passed && problems.empty();
    json run = RunJson(runs.back());
    run["problems"] = problems;
    run["lossStepsEqual"] = losses.equal;
    report["runs"].push_back(std::move(run));
  }
  std::cout << "\ndistributions over " << runs.size() << " run(s), seconds:\n"
            << DistributionTable(runs) << std::flush;
  report["passed"] = passed;
  if (!flags.json_out.empty()) std::ofstream(flags.json_out) << report.dump(1) << "\n";
  return passed ? 0 : 1;
}

int Main(int argc, char** argv) {
  absl::StatusOr<DrillFlags> flags = ParseDrillFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::cerr << "fault_drill: " << flags.status().message() << "\n";
    return 2;
  }
  if (flags->help) {
    std::cout << DrillUsage();
    return 0;
  }
  std::filesystem::create_directories(flags->work_dir + "/losses");
  auto tiny = kube::ReadYamlFile(flags->tiny_yaml);
  if (!tiny.ok() || tiny->empty()) {
    std::cerr << "fault_drill: " << flags->tiny_yaml << ": " << tiny.status() << "\n";
    return 2;
  }
  LocalCluster cluster({.flyover_binary = flags->flyover,
                        .data_dir = flags->work_dir + "/cluster",
                        .up_timeout = absl::Seconds(120),
                        .request_timeout = absl::Seconds(10),
                        .log_tail_bytes = 4000});
  std::cout << "fault drill in " << flags->work_dir << ": local up, " << flags->super_pods << " x "
            << flags->nodes_per_super_pod << " nodes" << std::endl;
  const CommandRun up = cluster.Up(flags->super_pods, flags->nodes_per_super_pod);
  int code = 2;
  if (up.code != 0) {
    std::cerr << "fault_drill: local up failed: " << up.err << cluster.ComponentLogs() << "\n";
  } else if (auto client = cluster.Client(); !client.ok()) {
    std::cerr << "fault_drill: " << client.status() << "\n";
  } else {
    code = Drill(cluster, **client, tiny->at(0), *flags);
  }
  if (!flags->keep_cluster) (void)cluster.Down();
  return code;
}

}  // namespace
}  // namespace flyover::drill

int main(int argc, char** argv) { return flyover::drill::Main(argc, argv); }
