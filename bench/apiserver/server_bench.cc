// flyover-apiserver over HTTP, each figure beside a peer measured in the same run on the
// same disk:
//
//   Pod creates/s through the whole server — HTTP (keep-alive connections), JSON decoding,
//   admission, SQLite in WAL mode with synchronous=FULL and group commit, the response —
//   with 1 client and with 16 concurrent clients (target: >= 5,000/s with 16), beside raw
//   SQLite inserts of rows of the same size: one durable transaction per insert (what a
//   store without group commit pays) and all rows in one transaction (the disk's limit).
//   The clients run in this process, so they share the CPU with the server.
//
// Usage: server_bench [--creates=20000] [--single_creates=1000] [--clients=16]
//                     [--dir=<scratch directory>]
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "apiserver/server/api_server.h"
#include "common/log.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver {
namespace {

std::string Flag(int argc, char** argv, const char* name, std::string fallback) {
  const std::string prefix = absl::StrFormat("--%s=", name);
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], prefix)) return std::string(argv[i]).substr(prefix.size());
  }
  return fallback;
}

int64_t IntFlag(int argc, char** argv, const char* name, int64_t fallback) {
  int64_t value = fallback;
  const std::string text = Flag(argc, argv, name, "");
  if (!text.empty() && !absl::SimpleAtoi(text, &value)) std::exit(2);
  return value;
}

// A pod of about 1.5 KB, like the operator's worker pods.
std::string PodBody(const std::string& name) {
  nlohmann::json env = nlohmann::json::array();
  for (int i = 0; i < 12; ++i) {
    env.push_back({{"name", absl::StrCat("FLYOVER_VAR_", i)}, {"value", std::string(40, 'v')}});
  }
  return nlohmann::json{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name},
        {"labels", {{"app", "bench"}, {"flyover.dev/job", "bench"}, {"flyover.dev/rank", "0"}}}}},
      {"spec",
       {{"schedulerName", "flyover-scheduler"},
        {"containers",
         {{{"name", "worker"},
           {"image", "flyover/worker:0.1.0"},
           {"command", {"flyover-worker", "agent"}},
           {"env", env},
           {"resources", {{"limits", {{"huawei.com/Ascend910", "16"}}}}}}}}}}}
      .dump();
}

// Creates `count` pods split over `clients` keep-alive connections; returns creates/s.
double CreatePods(int port, int64_t count, int clients, const std::string& prefix) {
  std::atomic<int64_t> next = 0;
  std::atomic<int64_t> failures = 0;
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);  // as Go clients (kubectl) do
      for (int64_t i = next++; i < count; i = next++) {
        httplib::Result result = client.Post("/api/v1/namespaces/default/pods",
                                             PodBody(absl::StrCat(prefix, i)), "application/json");
        if (!result || result->status != 201) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (failures > 0)
    std::printf("  (%lld creates failed)\n", static_cast<long long>(failures.load()));
  return static_cast<double>(count) / seconds;
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s\n", error);
    std::exit(1);
  }
}

// Raw inserts of `count` rows of the pod's size: per-row transactions or one transaction.
double RawSqliteInserts(const std::string& path, int64_t count, bool one_transaction) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  Exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
  Exec(db, "CREATE TABLE t (revision INTEGER PRIMARY KEY, key TEXT, value BLOB)");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2, ?3)", -1, &insert, nullptr);
  const std::string value = PodBody("raw-0000000");
  const absl::Time start = absl::Now();
  if (one_transaction) Exec(db, "BEGIN");
  for (int64_t i = 0; i < count; ++i) {
    const std::string key = absl::StrCat("/pods/default/raw-", i);
    sqlite3_bind_int64(insert, 1, i + 1);
    sqlite3_bind_text(insert, 2, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert, 3, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) std::exit(1);
    sqlite3_reset(insert);
  }
  if (one_transaction) Exec(db, "COMMIT");
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return static_cast<double>(count) / seconds;
}

int Main(int argc, char** argv) {
  const int64_t creates = IntFlag(argc, argv, "creates", 20000);
  const int64_t single = IntFlag(argc, argv, "single_creates", 1000);
  const int clients = static_cast<int>(IntFlag(argc, argv, "clients", 16));
  std::string base = Flag(argc, argv, "dir", std::filesystem::temp_directory_path().string());
  const std::string dir = absl::StrCat(base, "/flyover-server-bench-", getpid());
  std::filesystem::create_directories(dir);
  log::SetLevel(log::Level::kWarn);

  ApiServerOptions options;
  options.data_dir = dir;
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "start: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const int port = (*server)->port();
  std::printf("flyover-apiserver pod creates over HTTP (SQLite WAL, synchronous=FULL), %s\n",
              dir.c_str());
  std::printf("  pod body: %zu bytes; clients share this process's CPU (%u cores)\n",
              PodBody("p-0000000").size(), std::thread::hardware_concurrency());
  const double one = CreatePods(port, single, 1, "one-");
  std::printf("  HTTP creates/s, 1 client:    %9.0f  (%lld creates)\n", one,
              static_cast<long long>(single));
  const double many = CreatePods(port, creates, clients, "many-");
  std::printf("  HTTP creates/s, %d clients:  %9.0f  (%lld creates; target >= 5000)\n", clients,
              many, static_cast<long long>(creates));
  (*server)->Stop();

  const double per_row = RawSqliteInserts(absl::StrCat(dir, "/raw-per-row.db"), single, false);
  const double batched = RawSqliteInserts(absl::StrCat(dir, "/raw-batched.db"), creates, true);
  std::printf("  raw SQLite inserts/s, one transaction each:  %9.0f  (%lld rows)\n", per_row,
              static_cast<long long>(single));
  std::printf("  raw SQLite inserts/s, all in one transaction: %9.0f  (%lld rows)\n", batched,
              static_cast<long long>(creates));
  std::printf("  HTTP with %d clients vs raw per-transaction inserts: %.1fx\n", clients,
              many / per_row);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

}  // namespace
}  // namespace flyover::apiserver

int main(int argc, char** argv) { return flyover::apiserver::Main(argc, argv); }
