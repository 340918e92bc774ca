// Decoding a 10,000-pod list response, the first thing every informer does.
//
//   build/bench/kube_list_decode_bench --benchmark_min_time=2
//
// BM_BareParse is the limit: nlohmann::json::parse of the bytes and nothing else.
// BM_DecodeList is the client's list decoding (parse, move the items out, fill in each
// item's kind and apiVersion). BM_RestClientListPage adds the RestClient around it (request
// building, a FakeHttpTransport answer, metrics-free). items_per_second is pods/s and
// bytes_per_second the response bytes decoded per second, both per CPU-second (the decode is
// single-threaded; CPU time stays honest on a shared machine).
//
// The pods are shaped like real ones from a training cluster (~3 KiB of JSON each):
// labels, annotations, an owner reference, two managedFields entries, one container with
// env, resources, mounts and probes, tolerations, and a status with conditions and a
// container status.
#include <cstdio>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "common/fake_clock.h"
#include "kube/client/fake_http_transport.h"
#include "kube/client/list_decoder.h"
#include "kube/client/rest_client.h"
#include "nlohmann/json.hpp"

namespace {

using flyover::kube::ObjectList;
using nlohmann::json;

constexpr int kPods = 10000;

json Condition(const char* type, int i) {
  return {{"type", type},
          {"status", "True"},
          {"lastProbeTime", nullptr},
          {"lastTransitionTime", absl::StrFormat("2026-11-23T18:%02d:%02dZ", i % 60, (i * 7) % 60)}};
}

json ManagedFields(const std::string& manager, const char* operation, const char* subresource) {
  json entry = {{"manager", manager},
                {"operation", operation},
                {"apiVersion", "v1"},
                {"time", "2026-11-23T18:00:00Z"},
                {"fieldsType", "FieldsV1"},
                {"fieldsV1",
                 {{"f:metadata",
                   {{"f:labels", {{".", json::object()}, {"f:app", json::object()},
                                  {"f:training.flyover.dev/job", json::object()}}},
                    {"f:ownerReferences", {{".", json::object()}}}}},
                  {"f:spec",
                   {{"f:containers", {{"k:{\"name\":\"worker\"}", {{".", json::object()},
                                                                {"f:image", json::object()},
                                                                {"f:env", json::object()}}}}},
                    {"f:nodeSelector", json::object()}}}}}};
  if (subresource != nullptr) entry["subresource"] = subresource;
  return entry;
}

json Container(int i) {
  json env = json::array();
  for (const char* name : {"RANK", "WORLD_SIZE", "MASTER_ADDR", "RANK_TABLE_FILE", "JOB_NAME"}) {
    env.push_back({{"name", name}, {"value", absl::StrCat(name, "-value-", i % 97)}});
  }
  return {{"name", "worker"},
          {"image", "registry.example/flyover/worker:0.1.0"},
          {"command", {"/usr/bin/flyover-worker", "--config=/etc/flyover/job.json"}},
          {"env", env},
          {"resources", {{"limits", {{"huawei.com/Ascend910", "16"}, {"memory", "512Gi"}}},
                         {"requests", {{"cpu", "96"}, {"huawei.com/Ascend910", "16"},
                                       {"memory", "512Gi"}}}}},
          {"volumeMounts", {{{"name", "checkpoints"}, {"mountPath", "/ckpt"}},
                            {{"name", "rank-table"}, {"mountPath", "/etc/hccl"},
                             {"readOnly", true}}}},
          {"livenessProbe", {{"httpGet", {{"path", "/healthz"}, {"port", 8080}}},
                             {"periodSeconds", 10}, {"failureThreshold", 3}}},
          {"terminationMessagePath", "/dev/termination-log"},
          {"imagePullPolicy", "IfNotPresent"}};
}

json Pod(int i) {
  const std::string name = absl::StrFormat("llama-sft-%05d", i);
  const std::string node = absl::StrFormat("sp%02d-node-%02d", i / 48 % 100, i % 48);
  json pod = {
      {"metadata",
       {{"name", name},
        {"namespace", "research"},
        {"uid", absl::StrFormat("6f1c2a3b-%04x-4d5e-8f90-%012x", i % 65536, i)},
        {"resourceVersion", absl::StrCat(1000000 + i)},
        {"creationTimestamp", "2026-11-23T18:00:00Z"},
        {"labels", {{"app", "flyover-worker"}, {"training.flyover.dev/job", "llama-sft"},
                    {"training.flyover.dev/replica", absl::StrCat(i)},
                    {"training.flyover.dev/super-pod", absl::StrCat(i / 48 % 100)}}},
        {"annotations", {{"training.flyover.dev/rank-table-version", "1.2"},
                         {"training.flyover.dev/restart-generation", "0"}}},
        {"ownerReferences", {{{"apiVersion", "training.flyover.dev/v1alpha1"},
                              {"kind", "PostTrainingJob"}, {"name", "llama-sft"},
                              {"uid", "0d9c8b7a-6543-4210-8fed-cba987654321"},
                              {"controller", true}, {"blockOwnerDeletion", true}}}},
        {"managedFields", {ManagedFields("flyover-operator", "Update", nullptr),
                           ManagedFields("kubelet", "Update", "status")}}}},
      {"spec",
       {{"containers", {Container(i)}},
        {"nodeName", node},
        {"nodeSelector", {{"accelerator-type", "module-910c-16"}}},
        {"restartPolicy", "Never"},
        {"schedulerName", "flyover-scheduler"},
        {"tolerations", {{{"key", "huawei.com/Ascend910"}, {"operator", "Exists"},
                          {"effect", "NoSchedule"}}}},
        {"volumes", {{{"name", "checkpoints"},
                      {"persistentVolumeClaim", {{"claimName", "llama-sft-ckpt"}}}},
                     {{"name", "rank-table"}, {"configMap", {{"name", "llama-sft-hccl"}}}}}}}},
      {"status",
       {{"phase", "Running"},
        {"conditions", {Condition("Initialized", i), Condition("Ready", i),
                        Condition("ContainersReady", i), Condition("PodScheduled", i)}},
        {"hostIP", absl::StrFormat("10.%d.%d.%d", i / 65536 % 256, i / 256 % 256, i % 256)},
        {"podIP", absl::StrFormat("172.16.%d.%d", i / 256 % 256, i % 256)},
        {"startTime", "2026-11-23T18:00:05Z"},
        {"containerStatuses", {{{"name", "worker"}, {"ready", true}, {"restartCount", 0},
                                {"image", "registry.example/flyover/worker:0.1.0"},
                                {"imageID", "registry.example/flyover/worker@sha256:" +
                                                std::string(64, 'a' + i % 6)},
                                {"containerID", absl::StrFormat("containerd://%064x", i)},
                                {"started", true},
                                {"state", {{"running", {{"startedAt", "2026-11-23T18:00:07Z"}}}}}}}},
        {"qosClass", "Burstable"}}}};
  return pod;
}

// The body of GET /api/v1/namespaces/research/pods, as kube-apiserver writes it (typed list
// items carry no kind or apiVersion).
const std::string& PodListBody() {
  static const std::string* const body = [] {
    json items = json::array();
    for (int i = 0; i < kPods; ++i) items.push_back(Pod(i));
    json list = {{"kind", "PodList"}, {"apiVersion", "v1"},
                 {"metadata", {{"resourceVersion", "1010000"}}}, {"items", std::move(items)}};
    auto* text = new std::string(list.dump());
    std::fprintf(stderr, "pod list: %d pods, %.1f MiB, %.0f bytes per pod\n", kPods,
                 text->size() / 1048576.0, static_cast<double>(text->size()) / kPods);
    return text;
  }();
  return *body;
}

void SetCounters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * kPods);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(PodListBody().size()));
}

void BM_BareParse(benchmark::State& state) {
  const std::string& body = PodListBody();
  for (auto _ : state) {
    json parsed = json::parse(body);
    benchmark::DoNotOptimize(parsed);
  }
  SetCounters(state);
}
BENCHMARK(BM_BareParse)->Unit(benchmark::kMillisecond);

void BM_DecodeList(benchmark::State& state) {
  const std::string& body = PodListBody();
  for (auto _ : state) {
    absl::StatusOr<ObjectList> list = flyover::kube::DecodeList(body);
    if (!list.ok() || list->items.size() != kPods) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(list);
  }
  SetCounters(state);
}
BENCHMARK(BM_DecodeList)->Unit(benchmark::kMillisecond);

void BM_RestClientListPage(benchmark::State& state) {
  const std::string& body = PodListBody();
  flyover::FakeClock clock;
  auto transport = std::make_unique<flyover::kube::FakeHttpTransport>();
  flyover::kube::FakeHttpTransport* fake = transport.get();
  flyover::kube::RestClientOptions options;
  options.rate_limit.qps = 0;
  options.clock = &clock;
  flyover::kube::RestClient client(std::move(transport), nullptr, options);
  for (auto _ : state) {
    state.PauseTiming();
    fake->AddResponse(200, body);
    state.ResumeTiming();
    absl::StatusOr<ObjectList> list =
        client.ListPage(flyover::kube::PodsResource(), "research", {});
    if (!list.ok() || list->items.size() != kPods) state.SkipWithError("list failed");
    benchmark::DoNotOptimize(list);
  }
  SetCounters(state);
}
BENCHMARK(BM_RestClientListPage)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
