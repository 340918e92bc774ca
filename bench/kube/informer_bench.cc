// Informer benchmarks (issue 3):
//
//   1. Memory per cached typical pod: 10,000 Flyover worker pods (MakeWorkerPod, ~3.6 KiB of
//      compact JSON each, managedFields included) listed into a SharedInformer with the
//      namespace and controller-uid indexes; bytes malloc has handed out (mallinfo2, one
//      arena, heap and mmap) and RSS before and after, per pod. Beside it, the same pods held as
//      shared_ptr<const nlohmann::json> (the DOM the store would otherwise keep), the store
//      with StripManagedFields, and the store fed by a list decoded whole (List()) instead of
//      item by item (ListInto(), as a paging client does), which leaves the heap fragmented.
//      Target: <= 2 KiB per pod.
//   2. Sustained watch events/s a single informer absorbs: a source streams MODIFIED events
//      (a copy of a prebuilt pod with a fresh resourceVersion each) over 1,000 cached pods into
//      a SharedInformer with one counting handler. Beside it, the rate the same source
//      produces events into a sink that only counts (the limit), and for context the cost of
//      parsing the pod's JSON text (what a real watch decoder pays per event) and of packing.
//
// Usage: informer_bench [--pods=10000] [--events=200000] [--watch_pods=1000]
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/log.h"
#include "kube/cache/event_handler.h"
#include "kube/cache/indexers.h"
#include "kube/cache/lister_watcher.h"
#include "kube/cache/packed_json.h"
#include "kube/cache/shared_informer.h"
#include "kube/cache/testing/objects.h"

namespace flyover::kube {
namespace {

using nlohmann::json;

constexpr uint64_t kListVersion = 1000000;

// Lists the first `list_count` pods, then streams `events` MODIFIED events cycling over them
// and, when `block` is set, waits for the stop signal (as a quiet watch would).
class StreamingListerWatcher final : public ListerWatcher {
 public:
  StreamingListerWatcher(const std::vector<json>* pods, int list_count, int64_t events, bool block)
      : pods_(pods), list_count_(list_count), events_(events), block_(block) {}

  absl::StatusOr<ListResult> List(const ListOptions&) override {
    ListResult result;
    result.resource_version = std::to_string(kListVersion);
    result.items.assign(pods_->begin(), pods_->begin() + list_count_);
    return result;
  }

  // As a paging client decodes: one item's JSON at a time (unless streaming is off, when
  // the whole list exists as JSON first, as List() returns it).
  absl::StatusOr<std::string> ListInto(const ListOptions& options, ListItemSink sink) override {
    if (!stream_list) return ListerWatcher::ListInto(options, sink);
    for (int i = 0; i < list_count_; ++i) sink((*pods_)[static_cast<size_t>(i)]);
    return std::to_string(kListVersion);
  }

  bool stream_list = true;

  absl::Status Watch(const WatchOptions&, WatchEventSink sink, StopSignal* stop) override {
    if (!watching_.HasBeenNotified()) watching_.Notify();
    if (!sent_.exchange(true)) {
      const absl::Time start = absl::Now();
      for (int64_t i = 0; i < events_; ++i) {
        json object = (*pods_)[static_cast<size_t>(i % list_count_)];
        object["metadata"]["resourceVersion"] = std::to_string(kListVersion + 1 + i);
        if (absl::Status s = sink({WatchEventType::kModified, std::move(object)}); !s.ok()) {
          return s;
        }
      }
      elapsed_ = absl::Now() - start;
    }
    if (block_) stop->WaitFor(RealClock(), absl::Hours(24));
    return absl::OkStatus();
  }

  absl::Duration elapsed() const { return elapsed_; }
  // Waits until the reflector, done with its list, starts watching.
  bool WaitForWatch(absl::Duration timeout) {
    return watching_.WaitForNotificationWithTimeout(timeout);
  }

 private:
  const std::vector<json>* const pods_;
  const int list_count_;
  const int64_t events_;
  const bool block_;
  std::atomic<bool> sent_ = false;
  absl::Notification watching_;
  absl::Duration elapsed_;
};

// Bytes handed out by malloc: from the heap and, for large blocks, from mmap.
size_t HeapInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

size_t Rss() {
  std::ifstream statm("/proc/self/statm");
  size_t pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

struct Footprint {
  double heap_per_pod;
  double rss_per_pod;
};

Footprint InformerFootprint(const std::vector<json>& pods, TransformFunc transform,
                            bool stream_list = true) {
  auto source = std::make_shared<StreamingListerWatcher>(&pods, static_cast<int>(pods.size()), 0,
                                                         /*block=*/true);
  source->stream_list = stream_list;
  malloc_trim(0);
  const size_t heap_before = HeapInUse();
  const size_t rss_before = Rss();
  SharedInformerOptions options;
  options.resource = "pods";
  options.indexers = {{kControllerUidIndex, IndexByControllerUid}};
  options.transform = std::move(transform);
  SharedInformer informer(source, options);
  informer.Start();
  // Waiting for the watch, not just the sync, lets the list's temporaries go first.
  if (!informer.WaitForCacheSync(absl::Minutes(5)) || !source->WaitForWatch(absl::Minutes(5)) ||
      informer.store().size() != pods.size()) {
    std::fprintf(stderr, "informer did not sync\n");
    std::exit(1);
  }
  malloc_trim(0);
  const double n = static_cast<double>(pods.size());
  Footprint f{static_cast<double>(HeapInUse() - heap_before) / n,
              (static_cast<double>(Rss()) - static_cast<double>(rss_before)) / n};
  informer.Stop();
  return f;
}

double DomFootprint(const std::vector<json>& pods) {
  const size_t before = HeapInUse();
  std::vector<std::shared_ptr<const json>> held;
  held.reserve(pods.size());
  for (const json& pod : pods) held.push_back(std::make_shared<const json>(pod));
  return static_cast<double>(HeapInUse() - before) / static_cast<double>(pods.size());
}

void RunMemory(int count) {
  std::vector<json> pods;
  pods.reserve(static_cast<size_t>(count));
  double json_bytes = 0;
  double packed_bytes = 0;
  for (int i = 0; i < count; ++i) {
    pods.push_back(MakeWorkerPod({.index = i, .resource_version = std::to_string(1000 + i)}));
    json_bytes += static_cast<double>(pods.back().dump().size());
    packed_bytes += static_cast<double>(PackedJson::Pack(pods.back())->size_bytes());
  }
  const double n = count;
  std::printf("informer memory, %d worker pods (avg compact JSON %.0f B, PackedJson %.0f B)\n",
              count, json_bytes / n, packed_bytes / n);
  const double dom = DomFootprint(pods);
  const Footprint store = InformerFootprint(pods, nullptr);
  const Footprint stripped = InformerFootprint(pods, StripManagedFields);
  const Footprint unstreamed = InformerFootprint(pods, nullptr, /*stream_list=*/false);
  std::printf("  %-48s %7.0f B/pod heap\n", "shared_ptr<const nlohmann::json> (peer)", dom);
  std::printf("  %-48s %7.0f B/pod heap, %7.0f B/pod RSS   target <= 2048\n",
              "informer store (PackedJson, 2 indexes)", store.heap_per_pod, store.rss_per_pod);
  std::printf("  %-48s %7.0f B/pod heap, %7.0f B/pod RSS\n", "informer store + StripManagedFields",
              stripped.heap_per_pod, stripped.rss_per_pod);
  std::printf("  %-48s %7.0f B/pod heap, %7.0f B/pod RSS\n",
              "informer store, list decoded whole (List())", unstreamed.heap_per_pod,
              unstreamed.rss_per_pod);
}

// Counts notifications and lets the caller wait for a number of them.
class CountingHandler final : public ResourceEventHandler {
 public:
  void OnAdd(const ObjectPtr&, bool) override { Bump(); }
  void OnUpdate(const ObjectPtr&, const ObjectPtr&) override { Bump(); }
  void OnDelete(const ObjectPtr&, bool) override { Bump(); }
  bool WaitFor(int64_t count, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, count] {
      mu_.AssertHeld();
      return count_ >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

 private:
  void Bump() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  absl::Mutex mu_;
  int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

void RunThroughput(int watch_pods, int64_t events) {
  std::vector<json> pods;
  for (int i = 0; i < watch_pods; ++i) {
    pods.push_back(MakeWorkerPod({.index = i, .resource_version = std::to_string(1000 + i)}));
  }
  // The limit: the source feeding a sink that only counts.
  StreamingListerWatcher bare(&pods, watch_pods, events, /*block=*/false);
  StopSignal stop;
  int64_t received = 0;
  (void)bare.Watch(
      {},
      [&](WatchEvent) {
        ++received;
        return absl::OkStatus();
      },
      &stop);
  if (received != events) std::exit(1);
  const double source_rate = static_cast<double>(events) / absl::ToDoubleSeconds(bare.elapsed());

  auto source = std::make_shared<StreamingListerWatcher>(&pods, watch_pods, events, true);
  SharedInformerOptions options;
  options.resource = "pods";
  options.indexers = {{kControllerUidIndex, IndexByControllerUid}};
  SharedInformer informer(source, options);
  auto handler = std::make_shared<CountingHandler>();
  informer.AddEventHandler(handler);
  const absl::Time start = absl::Now();
  informer.Start();
  if (!handler->WaitFor(watch_pods + events, absl::Minutes(10))) {
    std::fprintf(stderr, "handler did not receive every event\n");
    std::exit(1);
  }
  const absl::Duration to_handler = absl::Now() - start;
  informer.Stop();
  const double store_rate = static_cast<double>(events) / absl::ToDoubleSeconds(source->elapsed());
  const double handler_rate = static_cast<double>(events) / absl::ToDoubleSeconds(to_handler);
  std::printf("watch throughput, %lld MODIFIED events over %d cached worker pods\n",
              static_cast<long long>(events), watch_pods);
  std::printf("  %-48s %10.0f events/s\n", "source alone, counting sink (limit)", source_rate);
  std::printf("  %-48s %10.0f events/s (%.0f%% of the source)\n",
              "informer: pack + store + 2 indexes", store_rate, 100 * store_rate / source_rate);
  std::printf("  %-48s %10.0f events/s (incl. initial list)\n", "informer: through to a handler",
              handler_rate);
  std::printf("  %-48s %10.1f us/event\n", "informer's own cost (beyond the source)",
              1e6 / store_rate - 1e6 / source_rate);

  // Context: what decoding an event costs a real watch, and packing alone.
  const std::string text = pods[0].dump();
  constexpr int kRounds = 20000;
  absl::Time t0 = absl::Now();
  size_t sink = 0;
  for (int i = 0; i < kRounds; ++i) sink += json::parse(text).size();
  const double parse_rate = kRounds / absl::ToDoubleSeconds(absl::Now() - t0);
  t0 = absl::Now();
  for (int i = 0; i < kRounds; ++i) {
    sink += PackedJson::Pack(pods[static_cast<size_t>(i % watch_pods)])->size_bytes();
  }
  const double pack_rate = kRounds / absl::ToDoubleSeconds(absl::Now() - t0);
  std::printf("  %-48s %10.0f pods/s\n", "context: nlohmann::json::parse of the pod text",
              parse_rate);
  std::printf("  %-48s %10.0f pods/s%s\n", "context: PackedJson::Pack of a pod DOM", pack_rate,
              sink == 0 ? " (?)" : "");
}

int64_t Flag(int argc, char** argv, const char* name, int64_t fallback) {
  const std::string prefix = absl::StrFormat("--%s=", name);
  for (int i = 1; i < argc; ++i) {
    int64_t value = 0;
    if (absl::StartsWith(argv[i], prefix) &&
        absl::SimpleAtoi(absl::string_view(argv[i]).substr(prefix.size()), &value)) {
      return value;
    }
  }
  return fallback;
}

}  // namespace
}  // namespace flyover::kube

int main(int argc, char** argv) {
  // One arena while measuring memory, so that mallinfo2() sees the informer threads'
  // allocations too; then the default per-thread arenas again for the throughput run.
  mallopt(M_ARENA_MAX, 1);
  flyover::log::SetLevel(flyover::log::Level::kWarn);
  using flyover::kube::Flag;
  flyover::kube::RunMemory(static_cast<int>(Flag(argc, argv, "pods", 10000)));
  mallopt(M_ARENA_MAX, 8);
  flyover::kube::RunThroughput(static_cast<int>(Flag(argc, argv, "watch_pods", 1000)),
                               Flag(argc, argv, "events", 200000));
  return 0;
}
