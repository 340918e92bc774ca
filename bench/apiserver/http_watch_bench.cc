// Watch event delivery over HTTP from flyover-apiserver to many watchers, beside the
// storage-level fan-out (Store watchers, no HTTP) measured in the same run under the same
// writes:
//
//   `watchers` concurrent watch streams on pods in one namespace (one thread each, reading
//   the chunked stream and taking each event's resourceVersion); `writers` HTTP clients
//   create `pods` pods and then update each once (a merge patch of a label), so every
//   watcher receives 2 * pods events. Reported: events/s delivered per watcher (median
//   over watchers) and in total, and the delay from the write's acknowledgement (the
//   writer received its 201/200) to the event's receipt, p50 and p99 over every event at
//   every watcher. An event received before its writer saw the acknowledgement counts as
//   0 ms (the count is printed). The peer runs the same writes into another namespace with
//   Store::Watch consumers on the server's own store: the cost of storage fan-out alone.
//   A watcher the server drops as too slow (an ERROR event or a closed stream) is counted
//   and its figures are left out.
//
// Everything runs in this process on the same cores; the load average is printed.
//
// Usage: http_watch_bench [--watchers=100] [--pods=1000] [--writers=4] [--rate=0 (writes/s,
//                         0 = full speed)] [--dir=<scratch directory>]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "apiserver/server/api_server.h"
#include "bench/apiserver/http_bench_common.h"
#include "common/log.h"

namespace flyover::apiserver::bench {
namespace {

using Receipts = std::vector<std::pair<int64_t, int64_t>>;  // (resourceVersion, unix ns)

int64_t NowNanos() { return absl::ToUnixNanos(absl::Now()); }

// resourceVersion -> when its writer saw the acknowledgement.
class Acks {
 public:
  void Record(int64_t rv, int64_t nanos) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    acks_[rv] = nanos;
  }
  int64_t Get(int64_t rv) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = acks_.find(rv);
    return it == acks_.end() ? -1 : it->second;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<int64_t, int64_t> acks_ ABSL_GUARDED_BY(mu_);
};

int64_t ResourceVersionIn(absl::string_view text) {
  constexpr absl::string_view kKey = "\"resourceVersion\":\"";
  const size_t at = text.find(kKey);
  if (at == absl::string_view::npos) return -1;
  absl::string_view digits = text.substr(at + kKey.size());
  int64_t rv = -1;
  return absl::SimpleAtoi(digits.substr(0, digits.find('"')), &rv) ? rv : -1;
}

void CreateNamespace(int port, const std::string& ns) {
  nlohmann::json body = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}};
  httplib::Result result = Client(port)->Post("/api/v1/namespaces", body.dump(), "application/json");
  if (!result || result->status != 201) std::exit(1);
}

// Creates `pods` pods in `ns`, then patches each once, over `writers` connections, paced to
// `rate` writes/s in total if > 0. Returns the writes/s achieved.
double Write(int port, const std::string& ns, int pods, int writers, int rate, Acks& acks) {
  std::atomic<int> next = 0;
  std::atomic<int> failures = 0;
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      auto client = Client(port);
      const std::string base = absl::StrCat("/api/v1/namespaces/", ns, "/pods");
      for (int i = next++; i < 2 * pods; i = next++) {
        if (rate > 0) absl::SleepFor(start + absl::Seconds(1.0 * i / rate) - absl::Now());
        const std::string name = absl::StrCat("p-", i % pods);
        httplib::Result result =
            i < pods ? client->Post(base, PodBody(ns, name), "application/json")
                     : client->Patch(absl::StrCat(base, "/", name),
                                     R"({"metadata":{"labels":{"gen":"2"}}})",
                                     "application/merge-patch+json");
        const int64_t acked = NowNanos();
        if (!result || (result->status != 201 && result->status != 200)) {
          ++failures;
          continue;
        }
        acks.Record(ResourceVersionIn(result->body), acked);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (failures > 0) std::printf("  (%d writes failed)\n", failures.load());
  return 2.0 * pods / absl::ToDoubleSeconds(absl::Now() - start);
}

struct Phase {
  std::vector<Receipts> receipts;  // per watcher
  int dropped = 0;
  double writes_per_second = 0;
  int64_t start_nanos = 0;
};

void Report(const char* label, Phase& phase, Acks& acks, int expected) {
  std::vector<int64_t> delays;
  std::vector<double> per_watcher;
  int64_t last = phase.start_nanos;
  int early = 0;
  size_t delivered = 0;
  for (const Receipts& mine : phase.receipts) {
    if (static_cast<int>(mine.size()) < expected) continue;  // dropped
    for (const auto& [rv, at] : mine) {
      const int64_t acked = acks.Get(rv);
      if (acked < 0) continue;
      if (at < acked) ++early;
      delays.push_back(std::max<int64_t>(0, at - acked));
    }
    const int64_t end = mine.back().second;
    last = std::max(last, end);
    per_watcher.push_back(expected / (static_cast<double>(end - phase.start_nanos) / 1e9));
    delivered += mine.size();
  }
  std::sort(per_watcher.begin(), per_watcher.end());
  const double median = per_watcher.empty() ? 0 : per_watcher[per_watcher.size() / 2];
  const double total = static_cast<double>(delivered) / (static_cast<double>(last - phase.start_nanos) / 1e9);
  std::printf("  %-28s %8.0f events/s per watcher (median), %9.0f events/s in total\n", label,
              median, total);
  std::printf("  %-28s delay ack->receipt p50 %7.2f ms  p99 %7.2f ms  (%d before the ack; "
              "%d watchers dropped; writers %.0f writes/s)\n",
              "", PercentileMs(delays, 0.5), PercentileMs(delays, 0.99), early, phase.dropped,
              phase.writes_per_second);
}

Phase StoreFanOut(ApiServer& server, int port, int watchers, int pods, int writers, int rate,
                  Acks& acks) {
  CreateNamespace(port, "store");
  Phase phase;
  phase.receipts.resize(static_cast<size_t>(watchers));
  std::vector<std::unique_ptr<storage::Watcher>> open;
  for (int i = 0; i < watchers; ++i) {
    open.push_back(*server.store().Watch({.resource = "pods", .namespace_ = "store",
                                          .queue_capacity = static_cast<size_t>(2 * pods) + 16}));
  }
  std::vector<std::thread> consumers;
  std::atomic<int> dropped = 0;
  for (int i = 0; i < watchers; ++i) {
    consumers.emplace_back([&, i] {
      Receipts& mine = phase.receipts[static_cast<size_t>(i)];
      while (static_cast<int>(mine.size()) < 2 * pods) {
        absl::StatusOr<std::vector<storage::WatchEvent>> batch =
            open[static_cast<size_t>(i)]->NextBatch(256, absl::Seconds(60));
        if (!batch.ok() || batch->empty()) {
          ++dropped;
          return;
        }
        const int64_t now = NowNanos();
        for (const storage::WatchEvent& event : *batch) mine.emplace_back(event.revision, now);
      }
    });
  }
  phase.start_nanos = NowNanos();
  phase.writes_per_second = Write(port, "store", pods, writers, rate, acks);
  for (std::thread& consumer : consumers) consumer.join();
  phase.dropped = dropped;
  return phase;
}

Phase HttpFanOut(int port, int watchers, int pods, int writers, int rate, Acks& acks) {
  CreateNamespace(port, "http");
  Phase phase;
  phase.receipts.resize(static_cast<size_t>(watchers));
  std::atomic<int> ready = 0;
  std::atomic<int> dropped = 0;
  const int expected = 2 * pods + 1;  // the sentinel, then the writes
  std::vector<std::thread> streams;
  for (int i = 0; i < watchers; ++i) {
    streams.emplace_back([&, i] {
      Receipts& mine = phase.receipts[static_cast<size_t>(i)];
      std::string buffer;
      bool failed = false;
      auto on_chunk = [&](const char* data, size_t size) {
        buffer.append(data, size);
        const int64_t now = NowNanos();
        size_t begin = 0;
        for (size_t end; (end = buffer.find('\n', begin)) != std::string::npos; begin = end + 1) {
          absl::string_view line(buffer.data() + begin, end - begin);
          if (line.empty()) continue;
          if (absl::StartsWith(line, "{\"type\":\"ERROR\"")) failed = true;
          if (mine.empty()) ++ready;
          mine.emplace_back(ResourceVersionIn(line), now);
        }
        buffer.erase(0, begin);
        return !failed && static_cast<int>(mine.size()) < expected;
      };
      auto client = Client(port);
      client->Get("/api/v1/namespaces/http/pods?watch=true&resourceVersion=0&timeoutSeconds=900",
                  on_chunk);
      if (failed || static_cast<int>(mine.size()) < expected) ++dropped;
    });
  }
  // The sentinel: once every stream has seen it, every watch is open.
  httplib::Result sentinel = Client(port)->Post("/api/v1/namespaces/http/pods",
                                                PodBody("http", "sentinel"), "application/json");
  if (!sentinel || sentinel->status != 201) std::exit(1);
  while (ready < watchers && dropped == 0) absl::SleepFor(absl::Milliseconds(5));
  phase.start_nanos = NowNanos();
  phase.writes_per_second = Write(port, "http", pods, writers, rate, acks);
  for (std::thread& stream : streams) stream.join();
  for (Receipts& mine : phase.receipts) {
    if (!mine.empty()) mine.erase(mine.begin());  // the sentinel
  }
  phase.dropped = dropped;
  return phase;
}

int Main(int argc, char** argv) {
  const int watchers = static_cast<int>(IntFlag(argc, argv, "watchers", 100));
  const int pods = static_cast<int>(IntFlag(argc, argv, "pods", 1000));
  const int writers = static_cast<int>(IntFlag(argc, argv, "writers", 4));
  const int rate = static_cast<int>(IntFlag(argc, argv, "rate", 0));
  const std::string base =
      StringFlag(argc, argv, "dir", std::filesystem::temp_directory_path().string());
  const std::string dir = absl::StrCat(base, "/flyover-http-watch-bench-", getpid());
  std::filesystem::create_directories(dir);
  log::SetLevel(log::Level::kWarn);
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start({.data_dir = dir});
  if (!server.ok()) {
    std::fprintf(stderr, "start: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const int port = (*server)->port();
  std::printf("watch delivery: %d watchers, %d pod creates + %d updates by %d writers (%s), "
              "pod body %zu bytes, %u cores\n  load average before: %s\n",
              watchers, pods, pods, writers, rate > 0 ? absl::StrCat(rate, " writes/s").c_str()
                                                      : "full speed",
              PodBody("http", "p-0000").size(), std::thread::hardware_concurrency(),
              LoadAverage().c_str());
  Acks acks;
  Phase store = StoreFanOut(**server, port, watchers, pods, writers, rate, acks);
  Report("Store.Watch (peer, no HTTP)", store, acks, 2 * pods);
  Phase http = HttpFanOut(port, watchers, pods, writers, rate, acks);
  Report("HTTP watch streams", http, acks, 2 * pods);
  std::printf("  load average after: %s\n", LoadAverage().c_str());
  (*server)->Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

}  // namespace
}  // namespace flyover::apiserver::bench

int main(int argc, char** argv) { return flyover::apiserver::bench::Main(argc, argv); }
