// Where an end-to-end run's writes spend their time in flyover-apiserver's storage, read from
// its own metrics (GET /metrics, in process): group commits, writes per commit, and the time
// spent committing (the SQLite transaction with its fsync). Figures are deltas between two
// readings, so node setup before the first reading is not counted.
#ifndef FLYOVER_BENCH_SCHEDULER_STORAGE_PROFILE_H_
#define FLYOVER_BENCH_SCHEDULER_STORAGE_PROFILE_H_

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "apiserver/server/api_server.h"

namespace flyover::bench {

struct StorageReading {
  double commits = 0;         // group commits
  double writes = 0;          // mutations committed
  double commit_seconds = 0;  // time inside commits, fsync included
};

// The value of the unlabelled sample `name` in Prometheus text, 0 if absent.
inline double SampleValue(absl::string_view text, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, name) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    return absl::SimpleAtod(line, &value) ? value : 0;
  }
  return 0;
}

inline StorageReading ReadStorage(apiserver::ApiServer& server) {
  apiserver::HttpRequest request;
  request.method = "GET";
  request.path = "/metrics";
  const std::string text = server.handler().Handle(request).body;
  constexpr absl::string_view kBatch = "flyover_apiserver_storage_commit_batch_size";
  constexpr absl::string_view kDuration = "flyover_apiserver_storage_commit_duration_seconds";
  return {.commits = SampleValue(text, absl::StrCat(kBatch, "_count")),
          .writes = SampleValue(text, absl::StrCat(kBatch, "_sum")),
          .commit_seconds = SampleValue(text, absl::StrCat(kDuration, "_sum"))};
}

// "1000 writes in 120 commits (8.3 a commit), 0.95 s committing (1.2 ms a commit)".
inline std::string DescribeStorage(const StorageReading& before, const StorageReading& after) {
  const double commits = after.commits - before.commits;
  const double writes = after.writes - before.writes;
  const double seconds = after.commit_seconds - before.commit_seconds;
  return absl::StrFormat("%.0f writes in %.0f commits (%.1f a commit), %.2f s committing "
                         "(%.2f ms a commit)",
                         writes, commits, commits > 0 ? writes / commits : 0, seconds,
                         commits > 0 ? 1000 * seconds / commits : 0);
}

}  // namespace flyover::bench

#endif  // FLYOVER_BENCH_SCHEDULER_STORAGE_PROFILE_H_
