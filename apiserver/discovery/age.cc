#include "apiserver/discovery/age.h"

#include <cstdint>

#include "absl/strings/str_cat.h"

namespace flyover::apiserver::discovery {
namespace {

// "<big><unit1>" or "<big><unit1><small><unit2>" when the remainder is not zero.
std::string TwoUnits(int64_t big, const char* unit1, int64_t small, const char* unit2) {
  if (small == 0) return absl::StrCat(big, unit1);
  return absl::StrCat(big, unit1, small, unit2);
}

}  // namespace

std::string HumanDuration(absl::Duration d) {
  const int64_t seconds = absl::ToInt64Seconds(d);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 2 * 60) return absl::StrCat(seconds, "s");
  const int64_t minutes = seconds / 60;
  if (minutes < 10) return TwoUnits(minutes, "m", seconds % 60, "s");
  if (minutes < 3 * 60) return absl::StrCat(minutes, "m");
  const int64_t hours = minutes / 60;
  if (hours < 8) return TwoUnits(hours, "h", minutes % 60, "m");
  if (hours < 48) return absl::StrCat(hours, "h");
  const int64_t days = hours / 24;
  if (hours < 24 * 8) return TwoUnits(days, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return absl::StrCat(days, "d");
  const int64_t years = days / 365;
  if (hours < 24 * 365 * 8) return TwoUnits(years, "y", days % 365, "d");
  return absl::StrCat(years, "y");
}

std::optional<absl::Time> ParseTimestamp(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (text.empty() || !absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
    return std::nullopt;
  }
  return t;
}

std::string AgeSince(const nlohmann::json& timestamp, absl::Time now) {
  if (!timestamp.is_string()) return "<unknown>";
  std::optional<absl::Time> t = ParseTimestamp(timestamp.get<std::string>());
  if (!t) return "<unknown>";
  return HumanDuration(now - *t);
}

}  // namespace flyover::apiserver::discovery
