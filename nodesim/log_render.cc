#include "nodesim/log_render.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flyover::nodesim {
namespace {

using ParamLookup = std::function<std::optional<std::string>(absl::string_view)>;

absl::Status ReadBool(const ParamLookup& param, absl::string_view name, bool* out) {
  std::optional<std::string> value = param(name);
  if (!value.has_value()) return absl::OkStatus();
  if (*value == "true" || *value == "1" || value->empty()) {
    *out = true;
  } else if (*value == "false" || *value == "0") {
    *out = false;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be true or false, got \"", *value, "\""));
  }
  return absl::OkStatus();
}

absl::Status ReadCount(const ParamLookup& param, absl::string_view name,
                       std::optional<int64_t>* out) {
  std::optional<std::string> value = param(name);
  if (!value.has_value()) return absl::OkStatus();
  int64_t number = 0;
  if (!absl::SimpleAtoi(*value, &number) || number < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": must be a non-negative integer, got \"", *value, "\""));
  }
  *out = number;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LogQuery> ParseLogQuery(const ParamLookup& param) {
  LogQuery q;
  for (absl::Status s : {ReadBool(param, "follow", &q.follow),
                         ReadBool(param, "previous", &q.previous),
                         ReadBool(param, "timestamps", &q.timestamps),
                         ReadCount(param, "tailLines", &q.tail_lines),
                         ReadCount(param, "limitBytes", &q.limit_bytes),
                         ReadCount(param, "sinceSeconds", &q.since_seconds)}) {
    if (!s.ok()) return s;
  }
  return q;
}

std::string RenderLine(const LogLine& line, bool timestamps) {
  if (!timestamps) return absl::StrCat(line.text, line.partial ? "" : "\n");
  return absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E9SZ", line.time, absl::UTCTimeZone()),
                      " ", line.text, line.partial ? "" : "\n");
}

std::vector<LogLine> SelectLines(absl::string_view file_text, const LogQuery& query,
                                 absl::Time now) {
  std::vector<LogLine> lines;
  for (absl::string_view raw : absl::StrSplit(file_text, '\n', absl::SkipEmpty())) {
    std::optional<LogLine> line = ParseLogLine(raw);
    if (!line.has_value()) continue;
    if (query.since_seconds && line->time < now - absl::Seconds(*query.since_seconds)) continue;
    lines.push_back(std::move(*line));
  }
  if (query.tail_lines && lines.size() > static_cast<size_t>(*query.tail_lines)) {
    lines.erase(lines.begin(), lines.end() - *query.tail_lines);
  }
  return lines;
}

}  // namespace flyover::nodesim
