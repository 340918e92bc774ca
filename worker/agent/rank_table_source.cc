#include "worker/agent/rank_table_source.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "common/status.h"

namespace flyover::worker {
namespace {

bool Stopped(const std::atomic<bool>* stop_requested) {
  return stop_requested != nullptr && stop_requested->load();
}

absl::Status TimedOut(const RankTableSourceOptions& options, absl::string_view reason) {
  return absl::DeadlineExceededError(absl::StrCat(
      "rank table: not completed within ", absl::FormatDuration(options.timeout), " (",
      options.path, "): ", reason));
}

absl::StatusOr<RankTable> FetchOnce(const RankTableSourceOptions& options,
                                    SupervisionClient& client, FileSystem& fs,
                                    absl::Duration wait) {
  ASSIGN_OR_RETURN(std::string body, client.FetchRankTable(wait));
  ASSIGN_OR_RETURN(RankTable table, ParseRankTable(body));
  if (table.status != RankTableStatus::kCompleted) {
    return absl::NotFoundError("the endpoint answered with a table that is not completed");
  }
  RETURN_IF_ERROR(fs.CreateDirs(DirName(options.path)));
  RETURN_IF_ERROR(WriteFileAtomically(fs, options.path, body));
  return table;
}

absl::StatusOr<RankTable> ReadOnce(const RankTableSourceOptions& options, FileSystem& fs) {
  ASSIGN_OR_RETURN(const bool exists, fs.FileExists(options.path));
  if (!exists) return absl::NotFoundError("the file does not exist yet");
  ASSIGN_OR_RETURN(std::string text, fs.ReadFile(options.path));
  ASSIGN_OR_RETURN(RankTable table, ParseRankTable(text));
  if (table.status != RankTableStatus::kCompleted) {
    return absl::NotFoundError("status is still \"initializing\"");
  }
  return table;
}

bool Retryable(const absl::Status& status) {
  return absl::IsNotFound(status) || absl::IsUnavailable(status) ||
         absl::IsDeadlineExceeded(status);
}

}  // namespace

absl::StatusOr<RankTable> ObtainRankTable(const RankTableSourceOptions& options,
                                          SupervisionClient* client, FileSystem& fs,
                                          Clock& clock, const std::atomic<bool>* stop_requested) {
  const absl::Time deadline = clock.Now() + options.timeout;
  const absl::Duration file_poll = std::min(options.poll / 10, absl::Milliseconds(100));
  absl::Status last = absl::NotFoundError("not asked yet");
  while (!Stopped(stop_requested)) {
    const absl::Duration left = deadline - clock.Now();
    if (left <= absl::ZeroDuration()) return TimedOut(options, last.message());
    const absl::Time start = clock.Now();
    absl::StatusOr<RankTable> table = client != nullptr
                                          ? FetchOnce(options, *client, fs, std::min(left, options.poll))
                                          : ReadOnce(options, fs);
    if (table.ok() || !Retryable(table.status())) return table;
    last = table.status();
    // A long poll that returned early (or a file that is not there) is asked again after
    // a short pause, so a server that does not hold requests is not hammered.
    const absl::Duration pause = client != nullptr ? absl::Milliseconds(200) : file_poll;
    if (client == nullptr || clock.Now() - start < pause) {
      clock.SleepFor(std::min(pause, deadline - clock.Now()));
    }
  }
  return absl::CancelledError("rank table: stop requested while waiting");
}

}  // namespace flyover::worker
