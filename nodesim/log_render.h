// The options of the kubelet's /containerLogs endpoint (what `kubectl logs` sends) and the
// rendering of a CRI log file's lines as text for it. Pure functions; thread-compatible.
//
//   follow=true|false  previous=true|false  timestamps=true|false
//   tailLines=N        limitBytes=N         sinceSeconds=N
#ifndef FLYOVER_NODESIM_LOG_RENDER_H_
#define FLYOVER_NODESIM_LOG_RENDER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nodesim/log_format.h"

namespace flyover::nodesim {

struct LogQuery {
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> limit_bytes;
  std::optional<int64_t> since_seconds;
};

// Reads the query parameters through `param` (nullopt when absent). InvalidArgument names
// the parameter that is not a boolean or a non-negative integer.
[[nodiscard]] absl::StatusOr<LogQuery> ParseLogQuery(
    const std::function<std::optional<std::string>(absl::string_view)>& param);

// One line as served: "<RFC3339Nano> text\n" with timestamps, else "text\n".
[[nodiscard]] std::string RenderLine(const LogLine& line, bool timestamps);

// The lines of `file_text` (CRI format) that `query` selects at `now`: sinceSeconds,
// then the last tailLines. limitBytes is applied by the caller across the whole response.
[[nodiscard]] std::vector<LogLine> SelectLines(absl::string_view file_text,
                                               const LogQuery& query, absl::Time now);

}  // namespace flyover::nodesim

#endif  // FLYOVER_NODESIM_LOG_RENDER_H_
