#include "bench/operator/bench_steps.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/posix_file_system.h"
#include "common/status.h"
#include "kube/api/yaml.h"
#include "kube/client/config.h"
#include "kube/client/resource.h"

extern char** environ;

namespace flyover::bench {
namespace {

using nlohmann::json;

constexpr int kPods = 1024;

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Duration Since(absl::Time start, absl::Time then) {
  return then == absl::InfinitePast() ? absl::InfiniteDuration() : then - start;
}

json PeerPod(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec",
           {{"schedulerName", "no-scheduler"},
            {"containers", json::array({{{"name", "worker"}, {"image", "flyover/worker"}}})}}}};
}

// The first NodeNotReady fault of `node` in the job's status, with its detectedAt.
std::optional<absl::Time> NodeFaultDetectedAt(const json& job, const std::string& node) {
  for (const json& fault : job.value("status", json::object()).value("faults", json::array())) {
    if (fault.value("class", "") != "NodeNotReady" || fault.value("node", "") != node) continue;
    absl::Time at = absl::InfinitePast();
    std::string error;
    (void)absl::ParseTime(absl::RFC3339_full, fault.value("detectedAt", ""), &at, &error);
    return at;
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<std::string> BenchCluster::Flyover(const std::string& args) {
  const std::string err_file = dir_ + "/flyover-stderr.txt";
  const std::string command = absl::StrCat(FLYOVER_BINARY, " ", args, " 2>", err_file);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("popen: " + command);
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("flyover ", args, ": ", ReadWhole(err_file)));
  }
  return out;
}

absl::Status BenchCluster::Up(int super_pods, int nodes_per_super_pod) {
  RETURN_IF_ERROR(Flyover(absl::StrCat("local up --data-dir ", data_, " --super-pods ", super_pods,
                                       " --nodes-per-super-pod ", nodes_per_super_pod,
                                       " --mode simulated --timeout 180s"))
                      .status());
  ASSIGN_OR_RETURN(kube::RestConfig config,
                   kube::LoadKubeconfig(DefaultFileSystem(), data_ + "/kubeconfig"));
  ASSIGN_OR_RETURN(client_, kube::NewRestClient(config, {.rate_limit = {.qps = 0}}));
  return absl::OkStatus();
}

absl::Status BenchCluster::Down() {
  for (pid_t pid : started_) {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  started_.clear();
  return Flyover("local down --data-dir " + data_).status();
}

absl::Status BenchCluster::RestartController(const std::string& component,
                                             const std::vector<std::string>& extra) {
  // The flags cli/local_flags.cc gives each controller.
  std::vector<std::string> args = {absl::StrCat(BIN_DIR, "/flyover-", component),
                                   "--kubeconfig",
                                   data_ + "/kubeconfig",
                                   "--metrics-port",
                                   "0",
                                   "--leader-elect",
                                   "--leader-elect-namespace",
                                   "default"};
  if (component == "operator") {
    args.insert(args.end(), {"--supervision-bind-address", "127.0.0.1", "--supervision-port", "0"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  pid_t old = -1;
  std::ifstream(absl::StrCat(data_, "/run/", component, ".pid")) >> old;
  if (old <= 0 || ::kill(old, SIGTERM) != 0) {
    return absl::NotFoundError(absl::StrCat(component, ": no running pid in its pid file"));
  }
  for (int i = 0; i < 200 && ::kill(old, 0) == 0; ++i) absl::SleepFor(absl::Milliseconds(100));
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = absl::StrCat(data_, "/logs/", component, "-bench.log");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int error = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return absl::InternalError(absl::StrCat("posix_spawn ", argv[0], ": ", error));
  started_.push_back(pid);
  // Leading once the Lease names it (the default identity is <host>_<pid>).
  char host[256] = {};
  ::gethostname(host, sizeof(host) - 1);
  const std::string identity = absl::StrCat(host, "_", pid);
  for (absl::Time end = absl::Now() + absl::Seconds(60); absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(100))) {
    auto lease = client_->Get(kube::LeasesResource(), "default", "flyover-" + component);
    if (lease.ok() &&
        lease->value("spec", json::object()).value("holderIdentity", "") == identity) {
      return absl::OkStatus();
    }
  }
  return absl::DeadlineExceededError(component + ": the restarted replica never led");
}

PeerResult PeerCreateBind(BenchCluster& cluster, PodTracker& tracker, const std::string& prefix) {
  PeerResult result;
  absl::StatusOr<kube::ObjectList> nodes = cluster.client().List(
      kube::NodesResource(), "", {.label_selector = "nodesim.flyover.dev/mode"});
  if (!nodes.ok() || nodes->items.size() < kPods) {
    std::cerr << "peer: not enough nodes: " << nodes.status() << "\n";
    return result;
  }
  const absl::Time start = absl::Now();
  for (int i = 0; i < kPods; ++i) {
    const std::string name = absl::StrCat(prefix, i);
    absl::Status status =
        cluster.client().Create(kube::PodsResource(), "default", PeerPod(name)).status();
    if (status.ok()) {
      status =
          cluster.client().Bind("default", name, nodes->items[i]["metadata"].value("name", ""));
    }
    if (!status.ok()) std::cerr << "peer " << name << ": " << status << "\n";
  }
  tracker.WaitFor(absl::Seconds(60),
                  [&](const PodTracker& t) { return t.Of(prefix).running >= kPods; });
  const Milestones m = tracker.Of(prefix);
  result = {
      .created = Since(start, m.last_created),
      .bound = Since(start, m.last_bound),
      .running = m.running >= kPods ? Since(start, m.last_running) : absl::InfiniteDuration()};
  for (int i = 0; i < kPods; ++i) {
    (void)cluster.client().Delete(kube::PodsResource(), "default", absl::StrCat(prefix, i),
                                  {.grace_period_seconds = 0});
  }
  tracker.WaitFor(absl::Seconds(60), [&](const PodTracker& t) { return t.Of(prefix).pods == 0; });
  return result;
}

ApplyResult ApplyAndWaitRunning(BenchCluster& cluster, PodTracker& tracker,
                                const std::string& job) {
  ApplyResult result;
  absl::StatusOr<std::vector<json>> manifests = kube::ReadYamlFile(FLYOVER_LARGE_EXAMPLE_FILE);
  if (!manifests.ok() || manifests->empty()) {
    std::cerr << "apply: " << manifests.status() << "\n";
    return result;
  }
  json object = manifests->front();
  object["metadata"]["name"] = job;
  const absl::Time start = absl::Now();
  if (absl::Status s =
          cluster.client().Create(kube::PostTrainingJobsResource(), "default", object).status();
      !s.ok()) {
    std::cerr << "apply: " << s << "\n";
    return result;
  }
  const std::string prefix = job + "-";
  absl::Time next_poll = start;
  tracker.WaitFor(absl::Minutes(2), [&](const PodTracker& t) {
    if (result.phase_running == absl::InfiniteDuration() && absl::Now() >= next_poll) {
      next_poll = absl::Now() + absl::Milliseconds(100);
      auto got = cluster.client().Get(kube::PostTrainingJobsResource(), "default", job);
      if (got.ok() && got->value("status", json::object()).value("phase", "") == "Running") {
        result.phase_running = absl::Now() - start;
      }
    }
    return t.Of(prefix).running >= kPods && result.phase_running != absl::InfiniteDuration();
  });
  const Milestones m = tracker.Of(prefix);
  result.pods = m.running;
  result.created = m.pods >= kPods ? Since(start, m.last_created) : absl::InfiniteDuration();
  result.bound = m.bound >= kPods ? Since(start, m.last_bound) : absl::InfiniteDuration();
  result.running = m.running >= kPods ? Since(start, m.last_running) : absl::InfiniteDuration();
  return result;
}

NodeLossResult StopNodeAndWaitReplacement(BenchCluster& cluster, PodTracker& tracker,
                                          const std::string& job, int rank) {
  NodeLossResult result;
  for (const auto& [name, pod] : tracker.PodsOf(job)) {
    if (pod.rank == rank) result.node = pod.node;
  }
  const std::string chaos = "chaos --data-dir " + cluster.data_dir();
  const absl::Time stopped = absl::Now();
  if (auto out = cluster.Flyover(absl::StrCat(chaos, " stop-node ", result.node)); !out.ok()) {
    std::cerr << "stop-node: " << out.status() << "\n";
    return result;
  }
  std::optional<absl::Time> detected_at;
  absl::Time seen = absl::InfinitePast();
  for (absl::Time end = stopped + absl::Seconds(120); !detected_at && absl::Now() < end;
       absl::SleepFor(absl::Milliseconds(100))) {
    auto got = cluster.client().Get(kube::PostTrainingJobsResource(), "default", job);
    if (got.ok()) detected_at = NodeFaultDetectedAt(*got, result.node);
    seen = absl::Now();
  }
  if (detected_at.has_value()) {
    result.detected_seen = seen - stopped;
    result.detected_at = *detected_at - stopped;
    auto replacement = [&](const PodTracker& t) -> std::optional<TrackedPod> {
      for (const auto& [name, pod] : t.PodsOf(job)) {
        if (pod.rank == rank && pod.generation > 0 && pod.running) return pod;
      }
      return std::nullopt;
    };
    tracker.WaitFor(absl::Seconds(90),
                    [&](const PodTracker& t) { return replacement(t).has_value(); });
    if (std::optional<TrackedPod> pod = replacement(tracker); pod.has_value()) {
      result.ok = true;
      result.replacement_bound = pod->bound.value_or(*pod->running) - seen;
      result.replacement_running = *pod->running - seen;
      result.replacement_running_after_detected_at = *pod->running - *detected_at;
    } else {
      std::cerr << "node loss: no replacement of rank " << rank << " ran\n";
    }
  } else {
    std::cerr << "node loss: no NodeNotReady fault for " << result.node << "\n";
  }
  if (auto out = cluster.Flyover(absl::StrCat(chaos, " resume-node ", result.node)); !out.ok()) {
    std::cerr << "resume-node: " << out.status() << "\n";
  }
  return result;
}

void DeleteJobAndWait(BenchCluster& cluster, PodTracker& tracker, const std::string& job) {
  absl::Status deleted = cluster.client().Delete(kube::PostTrainingJobsResource(), "default", job,
                                                 {.propagation_policy = "Background"});
  if (!deleted.ok()) std::cerr << "delete " << job << ": " << deleted << "\n";
  if (!tracker.WaitFor(absl::Minutes(2),
                       [&](const PodTracker& t) { return t.PodsOf(job).empty(); })) {
    std::cerr << "delete " << job << ": pods remain\n";
  }
}

}  // namespace flyover::bench
