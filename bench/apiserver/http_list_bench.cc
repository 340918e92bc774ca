// Listing many pods over HTTP from flyover-apiserver, beside the storage-level list
// (Store::List on the server's own store, no HTTP, no JSON re-encoding) measured in the
// same run on the same objects:
//
//   `pods` pods in one namespace (created over HTTP by 16 clients). Reported: latency of
//   `lists` GETs of the whole list in one page and of the list in pages of 500 following
//   continue tokens (p50 and p99; request sent -> last byte received, the body dropped as
//   it arrives); the growth of this process's peak RSS during one unpaginated GET whose
//   body is dropped as it arrives (so the growth is the server's: reading, encoding and
//   sending the list); and the client's decode time of one full body with kube/client's
//   DecodeList, beside a bare nlohmann parse of the same bytes. Server and client share
//   this process and its cores; the load average is printed.
//
// Usage: http_list_bench [--pods=10000] [--lists=20] [--dir=<scratch directory>]
#include <unistd.h>

#include <atomic>
#include <functional>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "apiserver/server/api_server.h"
#include "bench/apiserver/http_bench_common.h"
#include "common/log.h"
#include "kube/client/list_decoder.h"

namespace flyover::apiserver::bench {
namespace {

constexpr char kPods[] = "/api/v1/namespaces/bench/pods";

std::string ContinueToken(absl::string_view text) {
  constexpr absl::string_view kKey = "\"continue\":\"";
  const size_t at = text.find(kKey);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest = text.substr(at + kKey.size());
  return std::string(rest.substr(0, rest.find('"')));
}

std::string QueryEscape(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      out += c;
    } else {
      out += absl::StrFormat("%%%02X", static_cast<unsigned char>(c));
    }
  }
  return out;
}

void CreatePods(int port, int pods) {
  nlohmann::json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "bench"}}}};
  if (Client(port)->Post("/api/v1/namespaces", ns.dump(), "application/json")->status != 201) {
    std::exit(1);
  }
  std::atomic<int> next = 0;
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int c = 0; c < 16; ++c) {
    threads.emplace_back([&] {
      auto client = Client(port);
      for (int i = next++; i < pods; i = next++) {
        httplib::Result result =
            client->Post(kPods, PodBody("bench", absl::StrCat("p-", 100000 + i)), "application/json");
        if (!result || result->status != 201) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (failures > 0) {
    std::fprintf(stderr, "%d creates failed\n", failures.load());
    std::exit(1);
  }
}

// GETs `path`, dropping the body as it arrives; returns its size. With `continue_token`,
// also returns the list's continue token, from the first or last 4 KiB of the body (where
// the list's metadata is, whichever order the server writes the keys in).
size_t GetDropping(httplib::Client& client, const std::string& path, std::string* continue_token) {
  size_t bytes = 0;
  std::string head;
  std::string tail;
  httplib::Result result = client.Get(path, [&](const char* data, size_t size) {
    if (head.size() < 4096) head.append(data, std::min(size, 4096 - head.size()));
    tail.append(data, size);
    if (tail.size() > 8192) tail.erase(0, tail.size() - 4096);
    bytes += size;
    return true;
  });
  if (!result || result->status != 200) std::exit(1);
  if (continue_token != nullptr) *continue_token = ContinueToken(head + tail);
  return bytes;
}

template <typename Body>
std::vector<int64_t> Time(int runs, Body&& body) {
  std::vector<int64_t> nanos;
  for (int i = 0; i < runs; ++i) {
    const absl::Time start = absl::Now();
    body();
    nanos.push_back(absl::ToInt64Nanoseconds(absl::Now() - start));
  }
  return nanos;
}

void PrintLatency(const char* label, std::vector<int64_t> nanos, const std::string& extra = "") {
  std::printf("  %-46s p50 %8.1f ms  p99 %8.1f ms%s\n", label, PercentileMs(nanos, 0.5),
              PercentileMs(nanos, 0.99), extra.c_str());
}

double PeakRssGrowthMiB(const std::function<void()>& body) {
  ResetPeakRss();
  const int64_t before = ProcStatusBytes("VmRSS");
  body();
  return static_cast<double>(ProcStatusBytes("VmHWM") - before) / (1 << 20);
}

int Main(int argc, char** argv) {
  const int pods = static_cast<int>(IntFlag(argc, argv, "pods", 10000));
  const int lists = static_cast<int>(IntFlag(argc, argv, "lists", 20));
  const std::string base =
      StringFlag(argc, argv, "dir", std::filesystem::temp_directory_path().string());
  const std::string dir = absl::StrCat(base, "/flyover-http-list-bench-", getpid());
  std::filesystem::create_directories(dir);
  log::SetLevel(log::Level::kWarn);
  absl::StatusOr<std::unique_ptr<ApiServer>> server = ApiServer::Start({.data_dir = dir});
  if (!server.ok()) {
    std::fprintf(stderr, "start: %s\n", server.status().ToString().c_str());
    return 1;
  }
  const int port = (*server)->port();
  CreatePods(port, pods);
  auto client = Client(port);
  const size_t body_bytes = GetDropping(*client, kPods, nullptr);  // warms the caches
  std::printf("list of %d pods over HTTP (%.1f MiB JSON body), %d lists each, %u cores\n"
              "  load average before: %s\n",
              pods, static_cast<double>(body_bytes) / (1 << 20), lists,
              std::thread::hardware_concurrency(), LoadAverage().c_str());

  storage::Store& store = (*server)->store();
  const storage::ListOptions all{.resource = "pods", .namespace_ = "bench"};
  auto store_list = [&] {
    if (store.List(all)->items.size() != static_cast<size_t>(pods)) std::exit(1);
  };
  auto store_pages = [&] {
    storage::ListOptions page = all;
    page.limit = 500;
    do {
      absl::StatusOr<storage::ListResult> result = store.List(page);
      if (!result.ok()) std::exit(1);
      page.continue_token = result->continue_token;
    } while (!page.continue_token.empty());
  };
  auto http_list = [&] { GetDropping(*client, kPods, nullptr); };
  auto http_pages = [&] {
    std::string token;
    do {
      std::string path = absl::StrCat(kPods, "?limit=500");
      if (!token.empty()) path += absl::StrCat("&continue=", QueryEscape(token));
      GetDropping(*client, path, &token);
    } while (!token.empty());
  };

  const double http_rss = PeakRssGrowthMiB(http_list);
  const double store_rss = PeakRssGrowthMiB(store_list);
  PrintLatency("HTTP GET, one page", Time(lists, http_list),
               absl::StrFormat("  peak RSS +%.1f MiB", http_rss));
  PrintLatency("HTTP GET, pages of 500 (continue tokens)", Time(lists, http_pages));
  PrintLatency("Store.List, one page (peer, no HTTP)", Time(lists, store_list),
               absl::StrFormat("  peak RSS +%.1f MiB", store_rss));
  PrintLatency("Store.List, pages of 500 (peer)", Time(lists, store_pages));

  httplib::Result full = client->Get(kPods);
  if (!full || full->status != 200) return 1;
  const std::string& body = full->body;
  PrintLatency("client DecodeList of the one-page body", Time(lists, [&] {
                 if (!kube::DecodeList(body).ok()) std::exit(1);
               }));
  PrintLatency("bare nlohmann::json::parse of it (limit)", Time(lists, [&] {
                 if (nlohmann::json::parse(body)["items"].size() != static_cast<size_t>(pods)) {
                   std::exit(1);
                 }
               }));
  std::printf("  load average after: %s\n", LoadAverage().c_str());
  (*server)->Stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}

}  // namespace
}  // namespace flyover::apiserver::bench

int main(int argc, char** argv) { return flyover::apiserver::bench::Main(argc, argv); }
