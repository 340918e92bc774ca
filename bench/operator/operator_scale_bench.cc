// flyover-operator at scale on `flyover local up` with simulated nodes (26 super-pods x 48 nodes
// by default: room for deploy/examples/large-1024.yaml's 128 blocks of 8 nodes), each run:
//   peer      1,024 plain pods created and bound (pods/binding, one per node) by one client
//             thread with no rate limit, no operator and no scheduler involved: the API server's
//             and nodesim's raw create + bind + Running time; then deleted;
//   apply     large-1024.yaml (renamed per run) applied -> every pod created, bound, Running;
//   node loss `flyover chaos stop-node` on the node of rank 1 -> NodeNotReady in the job's
//             status (seen by polling, and its detectedAt) -> the rank's replacement pod bound
//             and Running. The node is resumed and the job deleted afterwards.
// Times are this process's clock: pods through one informer (pod_tracker.h), the job by polling.
//
// --operator-qps / --scheduler-qps replace `up`'s controller with one given that --qps (to see
// how much of the time is the client rate limit).
//
//   operator_scale_bench [--runs 3] [--super-pods 26] [--nodes-per-super-pod 48]
//                        [--operator-qps Q] [--scheduler-qps Q] [--no-node-loss] [--keep]
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/operator/bench_steps.h"
#include "bench/operator/pod_tracker.h"

namespace flyover::bench {
namespace {

struct Options {
  int runs = 3, super_pods = 26, nodes_per_super_pod = 48;
  int operator_qps = 0, scheduler_qps = 0;  // 0: as `local up` starts them
  bool node_loss = true, keep = false;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--runs") {
      o.runs = next();
    } else if (a == "--super-pods") {
      o.super_pods = next();
    } else if (a == "--nodes-per-super-pod") {
      o.nodes_per_super_pod = next();
    } else if (a == "--operator-qps") {
      o.operator_qps = next();
    } else if (a == "--scheduler-qps") {
      o.scheduler_qps = next();
    } else if (a == "--no-node-loss") {
      o.node_loss = false;
    } else if (a == "--keep") {
      o.keep = true;
    } else {
      std::cerr << a << ": unknown flag\n";
      std::exit(2);
    }
  }
  return o;
}

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

void RunOnce(BenchCluster& cluster, PodTracker& tracker, int run, bool node_loss) {
  const PeerResult peer = PeerCreateBind(cluster, tracker, absl::StrCat("peer", run, "-"));
  std::cout << absl::StrFormat(
      "run %d peer (1 client, create+bind, no operator/scheduler): all created %.2fs, "
      "all bound %.2fs, all Running %.2fs\n",
      run, Seconds(peer.created), Seconds(peer.bound), Seconds(peer.running));

  const std::string job = absl::StrCat("large-1024-r", run);
  const ApplyResult apply = ApplyAndWaitRunning(cluster, tracker, job);
  std::cout << absl::StrFormat(
      "run %d apply -> all %d pods: created %.2fs, bound %.2fs, Running %.2fs "
      "(target <= 5s: %s); job phase Running seen %.2fs\n",
      run, apply.pods, Seconds(apply.created), Seconds(apply.bound), Seconds(apply.running),
      apply.pods == 1024 && apply.running <= absl::Seconds(5) ? "met" : "MISSED",
      Seconds(apply.phase_running));
  if (node_loss && apply.pods == 1024) {
    const NodeLossResult loss = StopNodeAndWaitReplacement(cluster, tracker, job, /*rank=*/1);
    std::cout << absl::StrFormat(
        "run %d node loss %s: detected %.2fs after stop-node (detectedAt %.2fs); replacement "
        "bound %.2fs, Running %.2fs after detection seen (%.2fs after detectedAt; target "
        "<= 5s: %s)\n",
        run, loss.node, Seconds(loss.detected_seen), Seconds(loss.detected_at),
        Seconds(loss.replacement_bound), Seconds(loss.replacement_running),
        Seconds(loss.replacement_running_after_detected_at),
        loss.ok && loss.replacement_running_after_detected_at <= absl::Seconds(5) ? "met"
                                                                                  : "MISSED");
  }
  DeleteJobAndWait(cluster, tracker, job);
}

}  // namespace
}  // namespace flyover::bench

int main(int argc, char** argv) {
  const flyover::bench::Options o = flyover::bench::Parse(argc, argv);
  std::cout << std::unitbuf;  // each line as it is measured
  char pattern[] = "/tmp/flyover-operator-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  flyover::bench::BenchCluster cluster(pattern);
  const absl::Time start = absl::Now();
  if (absl::Status up = cluster.Up(o.super_pods, o.nodes_per_super_pod); !up.ok()) {
    std::cerr << "local up: " << up << "\n";
    return 1;
  }
  std::cout << absl::StrFormat("cluster: %d nodes up in %.1fs (%s)\n",
                               o.super_pods * o.nodes_per_super_pod,
                               absl::ToDoubleSeconds(absl::Now() - start), pattern);
  int code = 0;
  for (const auto& [component, qps] : {std::pair<std::string, int>{"operator", o.operator_qps},
                                       std::pair<std::string, int>{"scheduler", o.scheduler_qps}}) {
    if (qps <= 0) continue;
    absl::Status restarted = cluster.RestartController(component, {"--qps", std::to_string(qps)});
    std::cout << component << " restarted with --qps " << qps << ": " << restarted << "\n";
    if (!restarted.ok()) code = 1;
  }
  {
    flyover::bench::PodTracker tracker(&cluster.client());
    if (!tracker.Start(absl::Seconds(60))) {
      std::cerr << "pod informer did not sync\n";
      code = 1;
    }
    for (int run = 1; code == 0 && run <= o.runs; ++run) {
      flyover::bench::RunOnce(cluster, tracker, run, o.node_loss);
    }
  }
  if (absl::Status down = cluster.Down(); !down.ok()) std::cerr << "local down: " << down << "\n";
  if (!o.keep) std::filesystem::remove_all(pattern);
  return code;
}
