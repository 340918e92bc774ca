// Ages as kubectl prints them: "5s", "3m2s", "10h", "4d", "2y3d" (the rules of
// apimachinery's duration.HumanDuration), and the timestamp parsing behind the AGE column.
// Pure functions; `now` is always passed in so tables render deterministically.
#ifndef FLYOVER_APISERVER_DISCOVERY_AGE_H_
#define FLYOVER_APISERVER_DISCOVERY_AGE_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace flyover::apiserver::discovery {

// Up to 2 minutes in seconds; then minutes (with seconds below 10 minutes); hours (with
// minutes below 8 hours); days (with hours below 8 days); years (with days below 8
// years). Slightly negative durations (clock skew under 2s) read "0s"; more negative
// ones "<invalid>".
std::string HumanDuration(absl::Duration d);

// An RFC 3339 timestamp ("2026-01-02T03:04:05Z", fractional seconds allowed).
std::optional<absl::Time> ParseTimestamp(absl::string_view text);

// HumanDuration(now - timestamp), or "<unknown>" when `timestamp` is not a valid
// timestamp string (absent fields arrive as null).
std::string AgeSince(const nlohmann::json& timestamp, absl::Time now);

}  // namespace flyover::apiserver::discovery

#endif  // FLYOVER_APISERVER_DISCOVERY_AGE_H_
