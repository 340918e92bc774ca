// Helpers shared by the HTTP-level flyover-apiserver benchmarks (http_watch_bench.cc,
// http_list_bench.cc): flags, a pod body like the operator's, percentiles, this process's
// RSS, load average, and keep-alive HTTP clients. Header-only; single-threaded unless said.
#ifndef FLYOVER_BENCH_APISERVER_HTTP_BENCH_COMMON_H_
#define FLYOVER_BENCH_APISERVER_HTTP_BENCH_COMMON_H_

#include <malloc.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::bench {

inline std::string StringFlag(int argc, char** argv, absl::string_view name,
                              std::string fallback) {
  const std::string prefix = absl::StrCat("--", name, "=");
  for (int i = 1; i < argc; ++i) {
    if (absl::StartsWith(argv[i], prefix)) return std::string(argv[i]).substr(prefix.size());
  }
  return fallback;
}

inline int64_t IntFlag(int argc, char** argv, absl::string_view name, int64_t fallback) {
  const std::string text = StringFlag(argc, argv, name, "");
  int64_t value = fallback;
  if (!text.empty() && !absl::SimpleAtoi(text, &value)) {
    std::fprintf(stderr, "--%s: not an integer: %s\n", std::string(name).c_str(), text.c_str());
    std::exit(2);
  }
  return value;
}

// A pod of about 1.5 KB in namespace `ns`, like the operator's worker pods.
inline std::string PodBody(const std::string& ns, const std::string& name) {
  nlohmann::json env = nlohmann::json::array();
  for (int i = 0; i < 12; ++i) {
    env.push_back({{"name", absl::StrCat("FLYOVER_VAR_", i)}, {"value", std::string(40, 'v')}});
  }
  nlohmann::json container = {{"name", "worker"},
                              {"image", "flyover/worker:0.1.0"},
                              {"command", nlohmann::json::array({"flyover-worker", "agent"})},
                              {"env", env},
                              {"resources", {{"limits", {{"huawei.com/Ascend910", "16"}}}}}};
  return nlohmann::json{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata",
       {{"name", name},
        {"namespace", ns},
        {"labels", {{"app", "bench"}, {"flyover.dev/job", "bench"}, {"flyover.dev/rank", "0"}}}}},
      {"spec",
       {{"schedulerName", "flyover-scheduler"},
        {"containers", nlohmann::json::array({container})}}}}
      .dump();
}

// A keep-alive client with TCP_NODELAY (as Go clients set it) and generous timeouts.
inline std::unique_ptr<httplib::Client> Client(int port) {
  auto client = std::make_unique<httplib::Client>("127.0.0.1", port);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  client->set_read_timeout(120, 0);
  return client;
}

// The value at `fraction` of `samples` (nanoseconds), in milliseconds; reorders them.
inline double PercentileMs(std::vector<int64_t>& samples, double fraction) {
  if (samples.empty()) return 0;
  const size_t at = std::min(samples.size() - 1, static_cast<size_t>(fraction * samples.size()));
  std::nth_element(samples.begin(), samples.begin() + static_cast<ptrdiff_t>(at), samples.end());
  return static_cast<double>(samples[at]) / 1e6;
}

// A "<field>:   123 kB" line of /proc/self/status, in bytes.
inline int64_t ProcStatusBytes(absl::string_view field) {
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

// Returns free heap to the system and restarts VmHWM (peak RSS) from the current RSS.
inline void ResetPeakRss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

// The first line of /proc/loadavg ("2.18 1.48 1.63 3/712 29502").
inline std::string LoadAverage() {
  std::ifstream loadavg("/proc/loadavg");
  std::string line;
  std::getline(loadavg, line);
  return line;
}

}  // namespace flyover::apiserver::bench

#endif  // FLYOVER_BENCH_APISERVER_HTTP_BENCH_COMMON_H_
