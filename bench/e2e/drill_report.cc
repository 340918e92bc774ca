#include "bench/e2e/drill_report.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace flyover::drill {
namespace {

using nlohmann::json;

std::string ReportPhase(const json& job) {
  return job.value("status", json::object()).value("phase", "");
}

std::optional<double> Seconds(const std::optional<absl::Duration>& d) {
  if (!d) return std::nullopt;
  return absl::ToDoubleSeconds(*d);
}

// The operator's view of one fault: the smallest detectionMillis and the largest
// recoveryMillis among its records, in seconds.
std::optional<double> OperatorDetection(const InjectedFault& fault) {
  std::optional<double> best;
  for (const json& r : fault.records) {
    if (!r.contains("detectionMillis") || !r["detectionMillis"].is_number()) continue;
    const double s = r["detectionMillis"].get<double>() / 1000;
    best = best ? std::min(*best, s) : s;
  }
  return best;
}

std::optional<double> OperatorRecovery(const InjectedFault& fault) {
  std::optional<double> worst;
  for (const json& r : fault.records) {
    if (!r.contains("recoveryMillis") || !r["recoveryMillis"].is_number()) continue;
    const double s = r["recoveryMillis"].get<double>() / 1000;
    worst = worst ? std::max(*worst, s) : s;
  }
  return worst;
}

std::string Target(FaultKind kind) {
  return kind == FaultKind::kRankKill ? "detection p99 <= 2 s, recovery p99 <= 10 s (in place)"
                                      : "detection p99 <= 2 s, recovery p99 <= 20 s (reschedule)";
}

std::string Show(std::optional<double> s) {
  return s ? absl::StrFormat("%.2fs", *s) : std::string("-");
}

}  // namespace

std::vector<std::string> CheckRun(const RunResult& run, int64_t steps,
                                  const std::optional<std::string>& final_loss,
                                  const std::optional<std::string>& reference_loss,
                                  const absl::Status& checkpoints_equal) {
  std::vector<std::string> problems;
  const json status = run.job.value("status", json::object());
  if (ReportPhase(run.job) != "Succeeded") {
    problems.push_back(absl::StrCat("phase is \"", ReportPhase(run.job), "\", not Succeeded",
                                    run.timed_out ? " (timed out)" : ""));
  }
  if (status.value("step", int64_t{-1}) != steps) {
    problems.push_back(absl::StrCat("status.step ", status.value("step", int64_t{-1}), " != ", steps));
  }
  for (const InjectedFault& f : run.faults) {
    const std::string what = absl::StrCat(KindName(f.planned.kind), " at step ", f.step);
    if (!f.error.empty()) problems.push_back(absl::StrCat(what, ": ", f.error));
    if (f.records.empty()) problems.push_back(what + ": no record in status.faults");
    for (const json& r : f.records) {
      if (!NeedsRecovery(r)) continue;
      for (const char* field : {"detectedAt", "recoveryLevel", "recoveredAt", "recoveryMillis"}) {
        if (!r.contains(field)) {
          problems.push_back(absl::StrCat(what, ": record ", r.dump(), " lacks ", field));
        }
      }
    }
  }
  if (!final_loss || !reference_loss || *final_loss != *reference_loss) {
    problems.push_back(absl::StrCat("rank 0 final loss ", final_loss.value_or("?"),
                                    " != reference ", reference_loss.value_or("?")));
  }
  if (!checkpoints_equal.ok()) {
    problems.push_back(absl::StrCat("final checkpoint: ", checkpoints_equal.message()));
  }
  return problems;
}

std::string DistributionTable(const std::vector<RunResult>& runs) {
  struct Samples {
    std::vector<double> seen, recovered, op_detection, op_recovery;
    std::map<std::string, int> levels;
  };
  std::map<FaultKind, Samples> by_kind;
  for (const RunResult& run : runs) {
    for (const InjectedFault& f : run.faults) {
      Samples& s = by_kind[f.planned.kind];
      if (auto v = Seconds(f.seen)) s.seen.push_back(*v);
      if (auto v = Seconds(f.recovered)) s.recovered.push_back(*v);
      if (auto v = OperatorDetection(f)) s.op_detection.push_back(*v);
      if (auto v = OperatorRecovery(f)) s.op_recovery.push_back(*v);
      for (const json& r : f.records) ++s.levels[r.value("recoveryLevel", "none")];
    }
  }
  std::string text;
  for (const auto& [kind, s] : by_kind) {
    std::vector<std::string> levels;
    for (const auto& [level, n] : s.levels) levels.push_back(absl::StrCat(level, " ", n));
    absl::StrAppend(&text, KindName(kind), "  (target: ", Target(kind), ")\n",
                    "  fault -> in status     ", FormatDistribution(Summarize(s.seen)), "\n",
                    "  fault -> recovered     ", FormatDistribution(Summarize(s.recovered)), "\n",
                    "  operator detection     ", FormatDistribution(Summarize(s.op_detection)), "\n",
                    "  operator recovery      ", FormatDistribution(Summarize(s.op_recovery)), "\n",
                    "  records by level       ", absl::StrJoin(levels, ", "), "\n");
  }
  return text;
}

std::string FaultLines(const RunResult& run) {
  std::string text;
  for (const InjectedFault& f : run.faults) {
    std::vector<std::string> classes;
    for (const json& r : f.records) {
      classes.push_back(absl::StrCat(r.value("class", "?"), "/", r.value("recoveryLevel", "-")));
    }
    absl::StrAppend(&text, "  ", KindName(f.planned.kind), " planned step ", f.planned.step,
                    ", hit at step ", f.step, ": ", f.target.empty() ? "-" : f.target,
                    "; in status after ", Show(Seconds(f.seen)), ", recovered after ",
                    Show(Seconds(f.recovered)), "; records ", absl::StrJoin(classes, " "),
                    f.error.empty() ? "" : "; ERROR " + f.error, "\n");
  }
  return text;
}

json RunJson(const RunResult& run) {
  json faults = json::array();
  for (const InjectedFault& f : run.faults) {
    json entry = {{"kind", KindName(f.planned.kind)}, {"plannedStep", f.planned.step},
                  {"step", f.step},  {"target", f.target},
                  {"error", f.error}, {"records", f.records}};
    if (auto v = Seconds(f.seen)) entry["seenSeconds"] = *v;
    if (auto v = Seconds(f.recovered)) entry["recoveredSeconds"] = *v;
    faults.push_back(std::move(entry));
  }
  return {{"job", run.job.value("metadata", json::object()).value("name", "")},
          {"phase", ReportPhase(run.job)},
          {"faults", std::move(faults)}};
}

}  // namespace flyover::drill
