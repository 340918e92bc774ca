#include "nodesim/log_format.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flyover::nodesim {

std::string FormatLogLine(const LogLine& line) {
  return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", line.time, absl::UTCTimeZone()),
                      " ", line.stream, line.partial ? " P " : " F ", line.text, "\n");
}

std::optional<LogLine> ParseLogLine(absl::string_view line) {
  std::vector<absl::string_view> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
  if (parts.size() < 3) return std::nullopt;
  LogLine out;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, parts[0], &out.time, &error)) return std::nullopt;
  out.stream = std::string(parts[1]);
  if (parts[2] != "F" && parts[2] != "P") return std::nullopt;
  out.partial = parts[2] == "P";
  if (parts.size() == 4) out.text = std::string(parts[3]);
  return out;
}

}  // namespace flyover::nodesim
