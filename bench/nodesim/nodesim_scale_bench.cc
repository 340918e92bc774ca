// flyover-nodesim at scale against flyover-apiserver, both started by `flyover local up`:
//  1. steady state: CPU of nodesim and of the API server (% of one core, from
//     /proc/<pid>/stat) over --measure after --warmup, with every node's lease renewed every
//     10 s; then the oldest lease renewTime, to show every lease stays fresh;
//  2. --pods simulated pods created unbound, then bound through pods/binding round-robin
//     over the nodes; the time from the last bind to the last pod Running (seen on a watch).
//
//   nodesim_scale_bench [--super-pods 22] [--nodes-per-super-pod 48] [--pods 10240]
//                       [--measure 30s] [--warmup 15s] [--threads 8] [--keep]
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stop_token>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/nodesim/proc_stat.h"
#include "common/posix_file_system.h"
#include "kube/client/config.h"
#include "kube/client/rest_client.h"

namespace flyover::bench {
namespace {

using nlohmann::json;

struct Options {
  int super_pods = 22, nodes_per_super_pod = 48, pods = 10240, threads = 8;
  absl::Duration measure = absl::Seconds(30), warmup = absl::Seconds(15);
  bool keep = false;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--super-pods") o.super_pods = std::stoi(next());
    else if (a == "--nodes-per-super-pod") o.nodes_per_super_pod = std::stoi(next());
    else if (a == "--pods") o.pods = std::stoi(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--measure") (void)absl::ParseDuration(next(), &o.measure);
    else if (a == "--warmup") (void)absl::ParseDuration(next(), &o.warmup);
    else if (a == "--keep") o.keep = true;
    else { std::cerr << a << ": unknown flag\n"; std::exit(2); }
  }
  return o;
}

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  pid_t pid = -1;
  in >> pid;
  return pid;
}

std::unique_ptr<kube::RestClient> Client(const std::string& kubeconfig) {
  auto config = kube::LoadKubeconfig(DefaultFileSystem(), kubeconfig);
  if (!config.ok()) { std::cerr << config.status() << "\n"; std::exit(1); }
  return kube::NewRestClient(*config, {.timeout = absl::Seconds(60), .rate_limit = {.qps = 0}})
      .value();
}

// Runs fn(i) for i in [0, n) on `threads` threads, each with its own client.
void Parallel(const std::string& kubeconfig, int threads, int n,
              const std::function<void(kube::RestClient*, int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      std::unique_ptr<kube::RestClient> client = Client(kubeconfig);
      for (int i; (i = next.fetch_add(1)) < n;) fn(client.get(), i);
    });
  }
  for (auto& w : workers) w.join();
}

double Percent(double cpu_seconds, absl::Duration wall) {
  return 100.0 * cpu_seconds / absl::ToDoubleSeconds(wall);
}

void SteadyState(const Options& o, pid_t sim, pid_t api, kube::RestClient* client) {
  absl::SleepFor(o.warmup);
  double sim0 = CpuSeconds(sim).value_or(0), api0 = CpuSeconds(api).value_or(0);
  absl::Time t0 = absl::Now();
  absl::SleepFor(o.measure);
  double sim1 = CpuSeconds(sim).value_or(0), api1 = CpuSeconds(api).value_or(0);
  absl::Duration wall = absl::Now() - t0;
  absl::PrintF("steady state over %s: nodesim %.2f%% of one core, flyover-apiserver %.2f%%\n",
               absl::FormatDuration(wall), Percent(sim1 - sim0, wall), Percent(api1 - api0, wall));
  auto leases = client->List(kube::LeasesResource(), "kube-node-lease").value();
  absl::Time now = absl::Now(), oldest = absl::InfiniteFuture();
  for (const json& lease : leases.items) {
    absl::Time renewed;
    std::string text = lease["spec"].value("renewTime", "");
    if (absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", text, &renewed, nullptr)) {
      oldest = std::min(oldest, renewed);
    }
  }
  absl::PrintF("leases: %d, oldest renewTime %s ago (interval 10s)\n", leases.items.size(),
               absl::FormatDuration(now - oldest));
}

json Pod(int i) {
  return {{"apiVersion", "v1"}, {"kind", "Pod"},
          {"metadata", {{"name", absl::StrCat("scale-", i)}, {"namespace", "default"}}},
          {"spec", {{"containers", {{{"name", "main"}, {"image", "flyover/worker"}}}}}}};
}

void PodsToRunning(const Options& o, const std::string& kubeconfig, kube::RestClient* client) {
  const int nodes = o.super_pods * o.nodes_per_super_pod;
  absl::Time t0 = absl::Now();
  Parallel(kubeconfig, o.threads, o.pods, [](kube::RestClient* c, int i) {
    if (auto s = c->Create(kube::PodsResource(), "default", Pod(i)); !s.ok()) std::cerr << s.status() << "\n";
  });
  absl::PrintF("created %d pods in %s\n", o.pods, absl::FormatDuration(absl::Now() - t0));

  std::string rv = client->ListPage(kube::PodsResource(), "default", {.limit = 1}).value().resource_version;
  std::mutex mu;
  absl::flat_hash_set<std::string> running;
  absl::Time last_running;
  std::atomic<bool> all{false};
  std::stop_source stop;
  std::unique_ptr<kube::RestClient> watcher = Client(kubeconfig);
  std::thread watch([&] {
    while (!all && !stop.stop_requested()) {
      (void)watcher->Watch(kube::PodsResource(), "default",
                           {.resource_version = rv, .timeout = absl::Minutes(10)},
                           [&](kube::WatchStreamEvent e) -> absl::Status {
                             rv = e.ResourceVersion().empty() ? rv : e.ResourceVersion();
                             if (e.object.contains("status") &&
                                 e.object["status"].value("phase", "") == "Running") {
                               std::lock_guard lock(mu);
                               if (running.insert(e.object["metadata"]["name"].get<std::string>()).second) {
                                 last_running = absl::Now();
                                 if (static_cast<int>(running.size()) == o.pods) {
                                   all = true;
                                   return absl::CancelledError("all running");
                                 }
                               }
                             }
                             return absl::OkStatus();
                           },
                           stop.get_token());
    }
  });
  absl::Time bind0 = absl::Now();
  Parallel(kubeconfig, o.threads, o.pods, [&](kube::RestClient* c, int i) {
    int node = i % nodes;
    std::string name = absl::StrFormat("sp%d-node%02d", node / o.nodes_per_super_pod,
                                       node % o.nodes_per_super_pod);
    if (auto s = c->Bind("default", absl::StrCat("scale-", i), name); !s.ok()) std::cerr << s << "\n";
  });
  absl::Time last_bind = absl::Now();
  absl::PrintF("bound %d pods in %s\n", o.pods, absl::FormatDuration(last_bind - bind0));
  for (absl::Time end = absl::Now() + absl::Minutes(10); !all && absl::Now() < end;) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  stop.request_stop();
  watch.join();
  std::lock_guard lock(mu);
  absl::PrintF("running: %d of %d; last bind -> last Running: %s\n", running.size(), o.pods,
               all ? absl::FormatDuration(last_running - last_bind) : std::string("(not all)"));
}

int Main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  std::string dir = absl::StrCat("/tmp/flyover-nodesim-bench-", getpid());
  std::string flyover = FLYOVER_BINARY;
  absl::PrintF("load average at start: %s\n", LoadAverage());
  absl::Time t0 = absl::Now();
  std::string up = absl::StrFormat(
      "%s local up --data-dir %s --super-pods %d --nodes-per-super-pod %d --timeout 600s >/dev/null",
      flyover, dir, o.super_pods, o.nodes_per_super_pod);
  if (std::system(up.c_str()) != 0) {
    std::cerr << "local up failed; logs in " << dir << "/logs\n";
    return 1;
  }
  absl::PrintF("%d nodes registered (local up) in %s\n", o.super_pods * o.nodes_per_super_pod,
               absl::FormatDuration(absl::Now() - t0));
  pid_t sim = ReadPid(dir + "/run/nodesim.pid"), api = ReadPid(dir + "/run/apiserver.pid");
  std::unique_ptr<kube::RestClient> client = Client(dir + "/kubeconfig");
  SteadyState(o, sim, api, client.get());
  double sim0 = CpuSeconds(sim).value_or(0), api0 = CpuSeconds(api).value_or(0);
  absl::Time p0 = absl::Now();
  PodsToRunning(o, dir + "/kubeconfig", client.get());
  absl::Duration wall = absl::Now() - p0;
  absl::PrintF("during the pod phase (%s): nodesim %.2f%% of one core, flyover-apiserver %.2f%%\n",
               absl::FormatDuration(wall), Percent(CpuSeconds(sim).value_or(0) - sim0, wall),
               Percent(CpuSeconds(api).value_or(0) - api0, wall));
  absl::PrintF("load average at end: %s\n", LoadAverage());
  if (!o.keep) {
    (void)std::system(absl::StrCat(flyover, " local down --data-dir ", dir, " 2>/dev/null").c_str());
    (void)std::system(absl::StrCat("rm -rf ", dir).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace flyover::bench

int main(int argc, char** argv) { return flyover::bench::Main(argc, argv); }
