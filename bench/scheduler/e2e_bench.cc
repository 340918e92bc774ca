// flyover-scheduler end to end: flyover-apiserver in process (SQLite in a temp dir), Node
// objects for --super-pods x --nodes-per-super-pod 910C nodes, then --pods pending pods created
// by --threads clients; the figure is pods/s from the first create to the last pod seen bound
// on a watch ("live"); then the same with every pod created before the scheduler starts, timed
// from its start ("drain": a full queue, as kube-scheduler's scheduler_perf measures; the
// create figure then shows the creation time, outside the measure). Each run also prints the
// API server's storage work over the measured span (storage_profile.h): writes, group commits
// and the time spent committing. Each run on a fresh server:
//   gang      gangs of --gang-size pods (8 dies each), FlyoverScheduler as flyover-scheduler
//             runs it (16 binds per gang in parallel, --bind-workers gangs binding at once;
//             one write per pod: the Binding carries the placement annotations);
//   baseline  the same pods without gang annotations, one pod at a time: one bind worker,
//             one bind in flight (a plain per-pod scheduler's loop through the same code).
//
//   sched_e2e_bench [--super-pods 11] [--nodes-per-super-pod 48] [--pods 1000]
//                   [--gang-size 4] [--threads 8] [--bind-workers 16]
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "apiserver/server/api_server.h"
#include "kube/cache/rest_lister_watcher.h"
#include "kube/cache/shared_informer.h"
#include "kube/client/resource.h"
#include "kube/controller/testing/fake_event_recorder.h"
#include "scheduler/cache/testing/objects.h"
#include "bench/scheduler/storage_profile.h"
#include "scheduler/flyover_scheduler.h"

namespace flyover::bench {
namespace {

using nlohmann::json;

struct Options {
  int super_pods = 11, nodes_per_super_pod = 48, pods = 1000, gang_size = 4, threads = 8;
  int bind_workers = 16;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--super-pods")
      o.super_pods = next();
    else if (a == "--nodes-per-super-pod")
      o.nodes_per_super_pod = next();
    else if (a == "--pods")
      o.pods = next();
    else if (a == "--gang-size")
      o.gang_size = next();
    else if (a == "--threads")
      o.threads = next();
    else if (a == "--bind-workers")
      o.bind_workers = next();
    else {
      std::cerr << a << ": unknown flag\n";
      std::exit(2);
    }
  }
  return o;
}

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::cerr << what << ": " << status << "\n";
  std::exit(1);
}

// Creates `count` objects with `threads` clients sharing the work.
void CreateAll(kube::RestClient* client, const kube::ResourceDescriptor& resource, int count,
               int threads, const std::function<json(int)>& make) {
  std::atomic<int> next{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        json object = make(i);
        const std::string ns = object["metadata"].value("namespace", "");
        Check(client->Create(resource, ns, object).status(), "create");
      }
    });
  }
  for (std::thread& w : workers) w.join();
}

// gangs: gang pods and the production settings, else lone pods bound one at a time.
// drain: the pods are all created before the scheduler starts, and the clock runs from its
// start (a full queue, as scheduler_perf measures); else it runs from the first create.
double RunOnce(const Options& o, bool gangs, bool drain) {
  char pattern[] = "/tmp/flyover-sched-bench-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) std::exit(1);
  const std::string dir = pattern;
  apiserver::ApiServerOptions server_options{.data_dir = dir};
  server_options.http.port = 0;
  auto server = apiserver::ApiServer::Start(std::move(server_options));
  Check(server.status(), "apiserver");
  auto client = kube::NewRestClient({.server = (*server)->url()}, {.rate_limit = {.qps = 0}});
  Check(client.status(), "client");
  kube::RestClient* api = client->get();
  (void)api->Create(kube::NamespacesResource(), "",
                    {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ml"}}}});
  const int nodes = o.super_pods * o.nodes_per_super_pod;
  CreateAll(api, kube::NodesResource(), nodes, o.threads, [&](int i) {
    return sched::testing::MakeNode(absl::StrCat("n", i), i / o.nodes_per_super_pod,
                                    i % o.nodes_per_super_pod);
  });
  for (int i = 0; i < nodes; ++i) {  // status is the node's to report: a second write
    auto node = api->Get(kube::NodesResource(), "", absl::StrCat("n", i));
    Check(node.status(), "get node");
    (*node)["status"] = sched::testing::MakeNode("x", 0, 0)["status"];
    Check(api->UpdateStatus(kube::NodesResource(), *node).status(), "node status");
  }

  kube::FakeEventRecorder recorder;  // events are not what is measured
  sched::FlyoverSchedulerOptions options{.bind_parallelism = gangs ? 16 : 1,
                                         .bind_workers = gangs ? o.bind_workers : 1};
  options.core.super_pod_nodes = o.nodes_per_super_pod;
  auto scheduler = sched::FlyoverScheduler::Create(api, &recorder, options);
  Check(scheduler.status(), "scheduler");
  if (!drain) Check((*scheduler)->Start(), "scheduler start");

  std::atomic<int> bound{0};
  auto lw = std::make_shared<kube::RestListerWatcher>(api, kube::PodsResource());
  kube::SharedInformer watcher(lw, {.resource = "pods"});
  (void)watcher.AddEventHandler(
      std::make_shared<kube::FuncEventHandler>(kube::FuncEventHandler::Funcs{
          .on_update = [&](const kube::ObjectPtr& a, const kube::ObjectPtr& b) {
            if ((*a)["spec"]["nodeName"].is_missing() && !(*b)["spec"]["nodeName"].is_missing()) {
              ++bound;
            }
          }}));
  watcher.Start();
  if (!watcher.WaitForCacheSync(absl::Seconds(30))) std::exit(1);

  StorageReading storage_before = ReadStorage(**server);
  absl::Time start = absl::Now();
  CreateAll(api, kube::PodsResource(), o.pods, o.threads, [&](int i) {
    const int gang = i / o.gang_size;
    json pod = sched::testing::MakeGangPod({.name = absl::StrCat("p", i),
                                            .gang = absl::StrCat("g", gang),
                                            .min_member = o.gang_size,
                                            .npus = 8,
                                            .rank = i % o.gang_size,
                                            .job = ""});
    auto& annotations = pod["metadata"]["annotations"];
    annotations["scheduling.flyover.dev/super-pod-block"] = absl::StrCat(8 * o.gang_size);
    annotations.erase("scheduling.flyover.dev/job");
    if (!gangs) {
      annotations.erase("scheduling.flyover.dev/gang");
      annotations.erase("scheduling.flyover.dev/min-member");
      annotations.erase("scheduling.flyover.dev/super-pod-block");
    }
    pod["metadata"].erase("creationTimestamp");
    return pod;
  });
  const absl::Time created = absl::Now();
  const absl::Duration creating = created - start;
  if (drain) {  // the creates are outside the measure, here too
    storage_before = ReadStorage(**server);
    start = absl::Now();
    Check((*scheduler)->Start(), "scheduler start");
  }
  const absl::Time deadline = created + absl::Minutes(5);
  while (bound.load() < o.pods && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(2));
  const absl::Time done = absl::Now();
  const int got = bound.load();
  const StorageReading storage_after = ReadStorage(**server);
  (*scheduler)->Stop();
  watcher.Stop();
  client->reset();
  (*server)->Stop();
  std::filesystem::remove_all(dir);
  const double seconds = absl::ToDoubleSeconds(done - start);
  std::cout << absl::StrFormat(
      "%-8s %-6s pods=%d bound=%d nodes=%d create=%.2fs all-bound=%.2fs  %.0f pods/s\n",
      gangs ? "gang" : "baseline", drain ? "drain" : "live", o.pods, got, nodes,
      absl::ToDoubleSeconds(creating), seconds, got / seconds);
  std::cout << "         storage: " << DescribeStorage(storage_before, storage_after) << "\n";
  return got / seconds;
}

}  // namespace
}  // namespace flyover::bench

int main(int argc, char** argv) {
  const flyover::bench::Options o = flyover::bench::Parse(argc, argv);
  // 8 dies a pod; 2 spare nodes per super-pod are never given to new gangs.
  if (o.pods * 8 > o.super_pods * (o.nodes_per_super_pod - 2) * 16 || o.pods % o.gang_size != 0) {
    std::cerr << "--pods must fill whole gangs and fit the non-spare nodes\n";
    return 2;
  }
  for (bool drain : {false, true}) {
    const double gang = flyover::bench::RunOnce(o, /*gangs=*/true, drain);
    const double baseline = flyover::bench::RunOnce(o, /*gangs=*/false, drain);
    std::cout << absl::StrFormat("%s: gang / one-pod-at-a-time: %.2fx\n", drain ? "drain" : "live",
                                 gang / baseline);
  }
  return 0;
}
