#include "cli/follow_render.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace flyover::cli {
namespace {

using nlohmann::json;

const json& Empty() {
  static const json* empty = new json(json::object());
  return *empty;
}

// `object[key]` when `object` is an object holding it, else an empty object.
const json& Field(const json& object, const char* key) {
  if (!object.is_object()) return Empty();
  auto it = object.find(key);
  return it == object.end() ? Empty() : *it;
}

std::optional<std::string> Text(const json& object, const char* key) {
  const json& value = Field(object, key);
  if (!value.is_string()) return std::nullopt;
  return value.get<std::string>();
}

std::optional<double> Number(const json& object, const char* key) {
  const json& value = Field(object, key);
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

std::optional<int64_t> Integer(const json& object, const char* key) {
  const json& value = Field(object, key);
  if (!value.is_number_integer()) return std::nullopt;
  return value.get<int64_t>();
}

const json& Status(const json& job) { return Field(job, "status"); }

std::string Seconds(double millis) { return absl::StrFormat("%.1f s", millis / 1000.0); }

// "10:00:01.250Z" from "2026-12-01T10:00:01.250Z": the date adds nothing within a run.
std::string ClockTime(const std::string& rfc3339) {
  const size_t t = rfc3339.find('T');
  return t == std::string::npos ? rfc3339 : rfc3339.substr(t + 1);
}

std::optional<absl::Duration> WallTime(const json& status) {
  const std::optional<std::string> start = Text(status, "startTime");
  const std::optional<std::string> end = Text(status, "completionTime");
  absl::Time from, to;
  std::string error;
  if (!start || !end || !absl::ParseTime(absl::RFC3339_full, *start, &from, &error) ||
      !absl::ParseTime(absl::RFC3339_full, *end, &to, &error)) {
    return std::nullopt;
  }
  return to - from;
}

std::string FaultPlace(const json& fault) {
  std::vector<std::string> place;
  if (auto pod = Text(fault, "pod")) place.push_back("pod " + *pod);
  if (auto node = Text(fault, "node"); node && !node->empty()) place.push_back("node " + *node);
  if (auto rank = Integer(fault, "rank")) place.push_back(absl::StrCat("rank ", *rank));
  return place.empty() ? "(no place)" : absl::StrJoin(place, " ");
}

std::string AccuracyLine(const json& status) {
  const json& evaluation = Field(status, "evaluation");
  const auto before = Number(evaluation, "accuracyBefore");
  const auto after = Number(evaluation, "accuracyAfter");
  const auto show = [](std::optional<double> v) {
    return v ? absl::StrFormat("%.3f", *v) : std::string("-");
  };
  std::string line = absl::StrCat("  accuracy   ", show(before), " before -> ", show(after), " after");
  if (auto examples = Integer(evaluation, "examples")) {
    absl::StrAppend(&line, " (", *examples, " held-out examples)");
  }
  return line;
}

std::string RestartsLine(const json& status) {
  const json& restarts = Field(status, "restarts");
  return absl::StrCat("  restarts   ", Integer(restarts, "total").value_or(0), " (in place ",
                      Integer(restarts, "inPlace").value_or(0), ", reschedule pod ",
                      Integer(restarts, "reschedulePod").value_or(0), ", restart job ",
                      Integer(restarts, "restartJob").value_or(0), ")");
}

std::string FollowPlacementLine(const json& status) {
  const json& placement = Field(status, "placement");
  std::vector<std::string> super_pods;
  const json& ids = Field(placement, "superPods");
  if (ids.is_array()) {
    for (const json& id : ids) {
      if (id.is_string()) super_pods.push_back(id.get<std::string>());
    }
  }
  return absl::StrCat("  placement  ", Integer(placement, "nodes").value_or(0), " node(s) on ",
                      Integer(placement, "superPodsSpanned").value_or(0), " super-pod(s)",
                      super_pods.empty() ? "" : " (" + absl::StrJoin(super_pods, ", ") + ")");
}

}  // namespace

FollowOutcome OutcomeOf(const json& job) {
  const std::string phase = Text(Status(job), "phase").value_or("");
  if (phase == "Succeeded") return FollowOutcome::kSucceeded;
  if (phase == "Failed") return FollowOutcome::kFailed;
  return FollowOutcome::kRunning;
}

std::string RenderProgress(const json& job, std::optional<double> loss, int bar_width) {
  const json& status = Status(job);
  const int64_t step = Integer(status, "step").value_or(0);
  const std::optional<int64_t> total = Integer(status, "totalSteps");
  std::string line = Text(Field(job, "metadata"), "name").value_or("?");
  if (total && *total > 0) {
    const int64_t done = std::clamp<int64_t>(step * bar_width / *total, 0, bar_width);
    absl::StrAppend(&line, " [", std::string(done, '#'), std::string(bar_width - done, '-'), "] ",
                    step, "/", *total);
  } else {
    absl::StrAppend(&line, " step ", step);
  }
  absl::StrAppend(&line, "  loss ", loss ? absl::StrFormat("%.4f", *loss) : std::string("-"));
  absl::StrAppend(&line, "  ", Text(status, "phase").value_or("Pending"));
  const json& faults = Field(status, "faults");
  absl::StrAppend(&line, "  faults ", faults.is_array() ? faults.size() : 0);
  return line;
}

std::string RenderFault(const json& fault, bool finished) {
  std::string line = absl::StrCat(Text(fault, "class").value_or("?"), " ", FaultPlace(fault));
  if (auto detected = Text(fault, "detectedAt")) {
    absl::StrAppend(&line, ": detected ", ClockTime(*detected));
    if (auto millis = Integer(fault, "detectionMillis")) {
      absl::StrAppend(&line, " (", *millis, " ms after it happened)");
    }
  }
  const std::optional<std::string> level = Text(fault, "recoveryLevel");
  if (!level) {
    return absl::StrCat(line, finished ? ", not handled: the job finished first"
                                       : ", not handled yet");
  }
  absl::StrAppend(&line, ", handled ", *level);
  if (auto millis = Integer(fault, "recoveryMillis")) {
    absl::StrAppend(&line, ", recovered in ", Seconds(static_cast<double>(*millis)));
  } else {
    absl::StrAppend(&line, ", not recovered");
  }
  return line;
}

std::string RenderSummary(const json& job) {
  const json& status = Status(job);
  std::string text = absl::StrCat(Text(Field(job, "metadata"), "name").value_or("?"), ": ",
                                  Text(status, "phase").value_or("Pending"));
  if (auto wall = WallTime(status)) {
    absl::StrAppend(&text, " after ", absl::FormatDuration(absl::Trunc(*wall, absl::Seconds(1))));
  }
  absl::StrAppend(&text, "\n  steps      ", Integer(status, "step").value_or(0), "/",
                  Integer(status, "totalSteps").value_or(0), "\n", AccuracyLine(status), "\n",
                  FollowPlacementLine(status), "\n", RestartsLine(status), "\n");
  if (auto goodput = Number(status, "goodput")) {
    absl::StrAppend(&text, absl::StrFormat("  goodput    %.3f\n", *goodput));
  }
  const json& faults = Field(status, "faults");
  const size_t count = faults.is_array() ? faults.size() : 0;
  absl::StrAppend(&text, "  faults     ", count, "\n");
  const std::optional<std::string> phase = Text(status, "phase");
  const bool finished = phase == "Succeeded" || phase == "Failed";
  for (size_t i = 0; i < count; ++i) {
    absl::StrAppend(&text, "    ", i + 1, ". ", RenderFault(faults[i], finished), "\n");
  }
  const json& conditions = Field(status, "conditions");
  for (size_t i = 0; conditions.is_array() && i < conditions.size(); ++i) {
    const json& condition = conditions[i];
    if (Text(condition, "type") == "Failed" && Text(condition, "status") == "True") {
      absl::StrAppend(&text, "  failed     ", Text(condition, "reason").value_or(""), ": ",
                      Text(condition, "message").value_or(""), "\n");
    }
  }
  return text;
}

}  // namespace flyover::cli
