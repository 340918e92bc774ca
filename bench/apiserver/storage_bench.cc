// Storage benchmarks for flyover-apiserver (apiserver/storage), each figure printed beside a
// peer or limit measured in the same run, on the same disk:
//
//   1. Creates/s of ~2 KB pod-like JSON objects through Store (SQLite, WAL, synchronous=FULL,
//      group commit) with 1 and 16 concurrent writers, beside raw SQLite inserts of the same
//      rows: one transaction per insert (the durable, ungrouped peer) and all rows in one
//      transaction (the limit). Target: >= 5,000 creates/s with 16 writers.
//   2. Watch delivery to 100 watchers (one consumer thread each, as HTTP watch streams would
//      have): events/s per watcher and total deliveries/s while 16 writers create at full
//      speed; then, with writes paced below capacity, the p50/p99 delay from the start of a
//      write to its delivery, beside the same writes' acknowledgement latency.
//   3. Listing 10,000 objects at a snapshot: latency of one unpaginated List and of a list in
//      pages of 500, and the peak RSS growth during the unpaginated List, beside a raw SQLite
//      scan of the same rows into memory and the bytes of the values themselves.
//
// Usage: storage_bench [--creates=20000] [--single_creates=500] [--watchers=100]
//                      [--events=20000] [--paced_rate=500] [--objects=10000]
//                      [--dir=<scratch directory>]
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "apiserver/storage/keys.h"
#include "apiserver/storage/store.h"
#include "common/clock.h"
#include "common/log.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace flyover::apiserver::storage {
namespace {

constexpr absl::string_view kSentMarker = R"("flyover.dev/sent-ns":")";

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

std::string StringFlag(int argc, char** argv, const char* name, std::string fallback) {
  const std::string prefix = absl::StrFormat("--%s=", name);
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], prefix)) return std::string(argv[i] + prefix.size());
  }
  return fallback;
}

// A ~2 KB pod as a worker pod's JSON looks, with the time its write started.
std::string PodJson(const std::string& name, int64_t sent_nanos) {
  std::string env;
  for (int i = 0; i < 12; ++i) {
    absl::StrAppend(&env, i == 0 ? "" : ",", R"({"name":"FLYOVER_ENV_)", i,
                    R"(","value":"/var/run/flyover/rank-table/hccl-)", i, R"(.json"})");
  }
  return absl::StrCat(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")", name,
      R"(","namespace":"bench","labels":{"app":"flyover-worker",)",
      R"("training.flyover.dev/job":"llm-sft","training.flyover.dev/replica-index":"7"},)",
      R"("annotations":{)", kSentMarker, sent_nanos, R"("},"ownerReferences":[{)",
      R"("apiVersion":"training.flyover.dev/v1alpha1","kind":"PostTrainingJob",)",
      R"("name":"llm-sft","uid":"6f1c2b7e-4d7a-4c55-9d8e-0a1b2c3d4e5f","controller":true}]},)",
      R"("spec":{"schedulerName":"flyover-scheduler","containers":[{"name":"worker",)",
      R"("image":"registry.example.com/flyover/worker:v0.1.0",)",
      R"("command":["flyover-worker","agent"],"env":[)", env, R"(],"resources":{"limits":{)",
      R"("huawei.com/Ascend910":"16","cpu":"64","memory":"512Gi"}},"volumeMounts":[)",
      R"({"name":"rank-table","mountPath":"/var/run/flyover"},)",
      R"({"name":"checkpoints","mountPath":"/ckpt"}]}],"volumes":[{"name":"rank-table",)",
      R"("configMap":{"name":"llm-sft-rank-table"}},{"name":"checkpoints",)",
      R"("persistentVolumeClaim":{"claimName":"llm-sft-ckpt"}}]},"status":{"phase":"Pending"}})");
}

int64_t SentNanos(absl::string_view object) {
  const size_t at = object.find(kSentMarker);
  if (at == absl::string_view::npos) return 0;
  absl::string_view digits = object.substr(at + kSentMarker.size());
  digits = digits.substr(0, digits.find('"'));
  int64_t nanos = 0;
  return absl::SimpleAtoi(digits, &nanos) ? nanos : 0;
}

double Percentile(std::vector<int64_t>& samples, double fraction) {
  if (samples.empty()) return 0;
  const size_t at = std::min(samples.size() - 1, static_cast<size_t>(fraction * samples.size()));
  std::nth_element(samples.begin(), samples.begin() + static_cast<ptrdiff_t>(at), samples.end());
  return static_cast<double>(samples[at]) / 1e6;  // ms
}

std::unique_ptr<Store> OpenStore(const std::string& path,
                                 std::shared_ptr<prometheus::Registry> registry = nullptr) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  absl::StatusOr<std::unique_ptr<Store>> store =
      Store::OpenSqlite(path, StoreOptions(), RealClock(), std::move(registry));
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), store.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(store);
}

struct WriteRun {
  double per_second = 0;
  std::vector<int64_t> ack_nanos;  // per write
};

// `writers` threads create `total` pods between them in `store`; with `per_second` > 0 the
// i-th create starts no earlier than start + i / per_second.
WriteRun CreatePods(Store& store, int writers, int total, const std::string& prefix,
                    double per_second = 0) {
  std::vector<std::vector<int64_t>> acks(static_cast<size_t>(writers));
  std::atomic<int> next = 0;
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = next++; i < total; i = next++) {
        const std::string name = absl::StrCat(prefix, i);
        if (per_second > 0) {
          absl::SleepFor(start + absl::Seconds(i / per_second) - absl::Now());
        }
        const absl::Time sent = absl::Now();
        absl::StatusOr<StoredObject> created =
            store.Create({"pods", "bench", name}, PodJson(name, absl::ToUnixNanos(sent)));
        if (!created.ok()) {
          std::fprintf(stderr, "create: %s\n", created.status().ToString().c_str());
          std::exit(1);
        }
        acks[static_cast<size_t>(w)].push_back(absl::ToInt64Nanoseconds(absl::Now() - sent));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  WriteRun run;
  run.per_second = total / absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& mine : acks) run.ack_nanos.insert(run.ack_nanos.end(), mine.begin(), mine.end());
  return run;
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "%s: %s\n", sql, error);
    std::exit(1);
  }
}

// Raw SQLite inserts of the same rows into a table shaped like the store's, WAL and
// synchronous=FULL; `batched` puts them all in one transaction, else one transaction each.
double RawInserts(const std::string& path, int count, bool batched) {
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  Exec(db,
       "CREATE TABLE t (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, value BLOB NOT NULL);"
       "CREATE UNIQUE INDEX t_key ON t(key, revision);");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3)", -1, &insert, nullptr);
  const absl::Time start = absl::Now();
  if (batched) Exec(db, "BEGIN");
  for (int i = 0; i < count; ++i) {
    const std::string key = absl::StrCat("/pods/bench/raw-", i);
    const std::string value = PodJson(key, absl::ToUnixNanos(absl::Now()));
    sqlite3_bind_int64(insert, 1, i + 1);
    sqlite3_bind_text(insert, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert, 3, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) std::exit(1);
    sqlite3_reset(insert);
  }
  if (batched) Exec(db, "COMMIT");
  const double per_second = count / absl::ToDoubleSeconds(absl::Now() - start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return per_second;
}

// Sum / count of a histogram in `registry` (0 if absent).
double HistogramMean(const prometheus::Registry& registry, const std::string& name) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    if (family.name != name || family.metric.empty()) continue;
    const prometheus::ClientMetric::Histogram& histogram = family.metric[0].histogram;
    return histogram.sample_count == 0
               ? 0
               : histogram.sample_sum / static_cast<double>(histogram.sample_count);
  }
  return 0;
}

void RunCreates(const std::string& dir, int single_creates, int creates) {
  const std::string db = dir + "/creates.db";
  const size_t pod_bytes = PodJson("worker-00000", absl::ToUnixNanos(absl::Now())).size();
  std::printf("creates of %zu-byte pod JSON (SQLite WAL, synchronous=FULL)\n", pod_bytes);
  const double raw_each = RawInserts(dir + "/raw.db", single_creates, /*batched=*/false);
  WriteRun one = CreatePods(*OpenStore(db), 1, single_creates, "one-");
  auto registry = std::make_shared<prometheus::Registry>();
  WriteRun many = CreatePods(*OpenStore(db, registry), 16, creates, "many-");
  const double raw_batched = RawInserts(dir + "/raw.db", creates, /*batched=*/true);
  const double batch = HistogramMean(*registry, "flyover_apiserver_storage_commit_batch_size");
  const double commit_ms =
      1e3 * HistogramMean(*registry, "flyover_apiserver_storage_commit_duration_seconds");
  std::printf("  %-50s %9.0f /s  (peer: durable, ungrouped)\n",
              "raw SQLite INSERT, one transaction each", raw_each);
  std::printf("  %-50s %9.0f /s  ack p50 %6.2f ms  p99 %6.2f ms\n", "Store.Create, 1 writer",
              one.per_second, Percentile(one.ack_nanos, 0.5), Percentile(one.ack_nanos, 0.99));
  std::printf("  %-50s %9.0f /s  ack p50 %6.2f ms  p99 %6.2f ms  target >= 5000\n",
              "Store.Create, 16 writers (group commit)", many.per_second,
              Percentile(many.ack_nanos, 0.5), Percentile(many.ack_nanos, 0.99));
  std::printf("  %-50s %9.1f writes/commit, %.2f ms/commit -> limit %.0f /s\n", "  its commits",
              batch, commit_ms, commit_ms > 0 ? 16 * 1e3 / commit_ms : 0);
  std::printf("  %-50s %9.0f /s  (limit: one fsync for all)\n",
              "raw SQLite INSERT, all in one transaction", raw_batched);
}

struct Delivery {
  double seconds = 0;
  std::vector<int64_t> delays;  // write start -> watcher, every event at every watcher
  WriteRun writes;
};

// `watchers` watchers each consume `events` creates made by `writers` writers (paced to
// `per_second` if > 0), one consumer thread per watcher.
Delivery Deliver(Store& store, int watchers, int events, int writers, double per_second,
                 const std::string& prefix) {
  std::vector<std::unique_ptr<Watcher>> open;
  for (int i = 0; i < watchers; ++i) {
    open.push_back(*store.Watch({.resource = "pods",
                                 .namespace_ = "bench",
                                 .queue_capacity = static_cast<size_t>(events) + 1}));
  }
  std::vector<std::vector<int64_t>> delays(static_cast<size_t>(watchers));
  std::vector<std::thread> consumers;
  for (int i = 0; i < watchers; ++i) {
    consumers.emplace_back([&, i] {
      std::vector<int64_t>& mine = delays[static_cast<size_t>(i)];
      mine.reserve(static_cast<size_t>(events));
      while (mine.size() < static_cast<size_t>(events)) {
        absl::StatusOr<std::vector<WatchEvent>> batch =
            open[static_cast<size_t>(i)]->NextBatch(256, absl::Seconds(30));
        if (!batch.ok() || batch->empty()) std::exit(1);
        const int64_t now = absl::ToUnixNanos(absl::Now());
        for (const WatchEvent& event : *batch) mine.push_back(now - SentNanos(event.object()));
      }
    });
  }
  const absl::Time start = absl::Now();
  Delivery delivery;
  delivery.writes = CreatePods(store, writers, events, prefix, per_second);
  for (std::thread& consumer : consumers) consumer.join();
  delivery.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  for (auto& mine : delays) delivery.delays.insert(delivery.delays.end(), mine.begin(), mine.end());
  return delivery;
}

void RunWatch(const std::string& dir, int watchers, int events, int paced_rate) {
  std::unique_ptr<Store> store = OpenStore(dir + "/watch.db");
  std::printf("watch delivery to %d watchers (one consumer thread each)\n", watchers);
  Delivery full = Deliver(*store, watchers, events, 16, 0, "full-");
  std::printf("  %-50s %9.0f events/s per watcher, %.0f deliveries/s\n",
              absl::StrCat(events, " creates by 16 writers, full speed").c_str(),
              events / full.seconds, static_cast<double>(full.delays.size()) / full.seconds);
  std::printf("  %-50s delay p50 %7.2f ms  p99 %7.2f ms (backlog included)\n", "",
              Percentile(full.delays, 0.5), Percentile(full.delays, 0.99));
  const int paced_events = std::max(1, paced_rate * 2);
  Delivery paced = Deliver(*store, watchers, paced_events, 1, paced_rate, "paced-");
  std::printf("  %-50s delay p50 %7.2f ms  p99 %7.2f ms\n",
              absl::StrCat("paced at ", paced_rate, " creates/s: write start -> watcher").c_str(),
              Percentile(paced.delays, 0.5), Percentile(paced.delays, 0.99));
  std::printf("  %-50s   ack p50 %7.2f ms  p99 %7.2f ms  (peer)\n",
              "  the same writes, start -> acknowledged", Percentile(paced.writes.ack_nanos, 0.5),
              Percentile(paced.writes.ack_nanos, 0.99));
}

// A "<field>:   123 kB" line of /proc/self/status, in bytes.
int64_t ProcStatusBytes(absl::string_view field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, field) || !absl::ConsumePrefix(&rest, ":")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    int64_t kb = 0;
    return absl::SimpleAtoi(rest.substr(0, rest.find(' ')), &kb) ? kb * 1024 : 0;
  }
  return 0;
}

// Returns free heap to the system and makes VmHWM (peak RSS) restart from the current RSS.
void ResetPeakRss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

// Reads every pod value of the store's database with a plain SQLite scan (the peer of List).
size_t RawScan(const std::string& path, std::vector<std::string>& values) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* scan = nullptr;
  sqlite3_prepare_v2(db, "SELECT key, value FROM changes WHERE key >= '/pods/' AND key < '/pods0'",
                     -1, &scan, nullptr);
  size_t bytes = 0;
  while (sqlite3_step(scan) == SQLITE_ROW) {
    values.emplace_back(static_cast<const char*>(sqlite3_column_blob(scan, 1)),
                        static_cast<size_t>(sqlite3_column_bytes(scan, 1)));
    bytes += values.back().size();
  }
  sqlite3_finalize(scan);
  sqlite3_close(db);
  return bytes;
}

template <typename Body>
double MedianMillis(int runs, Body&& body) {
  std::vector<int64_t> nanos;
  for (int i = 0; i < runs; ++i) {
    const absl::Time start = absl::Now();
    body();
    nanos.push_back(absl::ToInt64Nanoseconds(absl::Now() - start));
  }
  return Percentile(nanos, 0.5);
}

void RunList(const std::string& dir, int objects) {
  const std::string path = dir + "/list.db";
  std::unique_ptr<Store> store = OpenStore(path);
  CreatePods(*store, 16, objects, "listed-");
  const ListOptions all{.resource = "pods", .namespace_ = "bench"};
  auto list_all = [&] {
    absl::StatusOr<ListResult> result = store->List(all);
    if (!result.ok() || result->items.size() != static_cast<size_t>(objects)) std::exit(1);
  };
  auto list_pages = [&] {
    ListOptions page = all;
    page.limit = 500;
    size_t seen = 0;
    do {
      absl::StatusOr<ListResult> result = store->List(page);
      if (!result.ok()) std::exit(1);
      seen += result->items.size();
      page.continue_token = result->continue_token;
    } while (!page.continue_token.empty());
    if (seen != static_cast<size_t>(objects)) std::exit(1);
  };
  size_t value_bytes = 0;
  auto raw_scan = [&] {
    std::vector<std::string> values;
    value_bytes = RawScan(path, values);
  };
  list_all();  // warm the page cache and the read connection
  const double all_ms = MedianMillis(5, list_all);
  const double pages_ms = MedianMillis(5, list_pages);
  const double raw_ms = MedianMillis(5, raw_scan);

  ResetPeakRss();
  const int64_t rss = ProcStatusBytes("VmRSS");
  list_all();
  const double list_peak = static_cast<double>(ProcStatusBytes("VmHWM") - rss) / (1 << 20);
  ResetPeakRss();
  const int64_t raw_rss = ProcStatusBytes("VmRSS");
  raw_scan();
  const double raw_peak = static_cast<double>(ProcStatusBytes("VmHWM") - raw_rss) / (1 << 20);

  std::printf("list of %d pods at one snapshot (%.1f MiB of values)\n", objects,
              static_cast<double>(value_bytes) / (1 << 20));
  std::printf("  %-52s %8.1f ms  peak RSS +%.1f MiB\n", "Store.List, unpaginated", all_ms,
              list_peak);
  std::printf("  %-52s %8.1f ms\n", "Store.List, pages of 500 with continue tokens", pages_ms);
  std::printf("  %-52s %8.1f ms  peak RSS +%.1f MiB   (peer)\n", "raw SQLite scan of the same rows",
              raw_ms, raw_peak);
}

}  // namespace
}  // namespace flyover::apiserver::storage

int main(int argc, char** argv) {
  using flyover::apiserver::storage::Flag;
  using flyover::apiserver::storage::StringFlag;
  flyover::log::SetLevel(flyover::log::Level::kWarn);
  std::string dir = StringFlag(argc, argv, "dir", "");
  std::string made;
  if (dir.empty()) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "storage_bench_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    dir = made = pattern;
  }
  flyover::apiserver::storage::RunCreates(dir,
                                          static_cast<int>(Flag(argc, argv, "single_creates", 500)),
                                          static_cast<int>(Flag(argc, argv, "creates", 20000)));
  flyover::apiserver::storage::RunList(dir, static_cast<int>(Flag(argc, argv, "objects", 10000)));
  flyover::apiserver::storage::RunWatch(dir, static_cast<int>(Flag(argc, argv, "watchers", 100)),
                                        static_cast<int>(Flag(argc, argv, "events", 20000)),
                                        static_cast<int>(Flag(argc, argv, "paced_rate", 500)));
  if (!made.empty()) std::filesystem::remove_all(made);
  return 0;
}
