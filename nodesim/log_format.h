// Container log lines in the CRI format the kubelet keeps on disk:
//   "2026-01-01T00:00:00.123456789Z stdout F hello"
// (time, stream, F for a full line or P for a partial one, then the text). nodesim writes
// every line of a process's stdout and stderr this way, so `kubectl logs` can ask for
// timestamps and sinceSeconds. Pure functions; thread-compatible.
#ifndef FLYOVER_NODESIM_LOG_FORMAT_H_
#define FLYOVER_NODESIM_LOG_FORMAT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace flyover::nodesim {

struct LogLine {
  absl::Time time;
  std::string stream;  // "stdout" / "stderr"
  bool partial = false;
  std::string text;    // without the newline
};

// One line with its trailing newline.
[[nodiscard]] std::string FormatLogLine(const LogLine& line);
// nullopt when `line` (without its newline) is not in the format.
[[nodiscard]] std::optional<LogLine> ParseLogLine(absl::string_view line);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_LOG_FORMAT_H_
