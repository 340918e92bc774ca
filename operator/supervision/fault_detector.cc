#include "operator/supervision/fault_detector.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "operator/supervision/supervision_registry.h"

namespace flyover::op {
namespace {

kube::FaultRecord Fault(absl::string_view fault_class, absl::string_view pod,
                        std::optional<int32_t> rank, std::string message, absl::Time now) {
  kube::FaultRecord fault;
  fault.fault_class = std::string(fault_class);
  fault.pod = std::string(pod);
  fault.rank = rank;
  fault.message = std::move(message);
  fault.detected_at = now;
  return fault;
}

std::string ExitDescription(std::optional<int32_t> exit_code, std::optional<int32_t> signal) {
  std::string text;
  if (exit_code.has_value()) absl::StrAppend(&text, " exit code ", *exit_code);
  if (signal.has_value()) absl::StrAppend(&text, " signal ", *signal);
  return text;
}

bool HasExitEvent(const Heartbeat& heartbeat, int32_t rank) {
  return std::any_of(heartbeat.events.begin(), heartbeat.events.end(), [rank](const AgentEvent& e) {
    return e.type == kFaultRankExit && e.rank == rank;
  });
}

// The newest step time of every running rank of the job but (`pod`, `rank`).
std::vector<double> OtherStepMillis(const JobProgress& progress, const Heartbeat& heartbeat,
                                    int32_t rank) {
  std::vector<double> others;
  const auto add = [&](const Heartbeat& beat) {
    for (const RankReport& report : beat.ranks) {
      if (beat.pod == heartbeat.pod && report.rank == rank) continue;
      if (report.state == kRankRunning && report.step_millis.has_value()) {
        others.push_back(*report.step_millis);
      }
    }
  };
  add(heartbeat);
  for (const auto& [pod, seen] : progress.heartbeats) {
    if (pod != heartbeat.pod) add(seen.last);
  }
  return others;
}

double Median(std::vector<double> values) {
  const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

}  // namespace

std::vector<kube::FaultRecord> StragglerFaults(const JobProgress& progress,
                                               const Heartbeat& heartbeat,
                                               const StragglerOptions& options,
                                               StragglerState* state, absl::Time now) {
  std::vector<kube::FaultRecord> faults;
  for (const RankReport& report : heartbeat.ranks) {
    auto& run = state->runs[{heartbeat.pod, report.rank}];
    const std::vector<double> others = OtherStepMillis(progress, heartbeat, report.rank);
    const bool timed = report.state == kRankRunning && report.step_millis.has_value();
    const double median = others.empty() ? 0 : Median(others);
    const double mine = timed ? *report.step_millis : 0;
    const bool outlier = timed && median > 0 && mine > options.ratio * median &&
                         absl::Milliseconds(mine - median) >= options.floor;
    if (!outlier) {
      run = {};
      continue;
    }
    if (run.heartbeats++ == 0) run.since = now;
    if (run.reported || run.heartbeats < options.sustained_heartbeats) continue;
    run.reported = true;
    kube::FaultRecord fault = Fault(
        kFaultStraggler, heartbeat.pod, report.rank,
        absl::StrCat("rank ", report.rank, " steps take ", absl::SixDigits(mine), " ms, ",
                     absl::SixDigits(mine / median), " x the median ", absl::SixDigits(median),
                     " ms of the other ranks, for ", run.heartbeats, " heartbeats"),
        now);
    fault.detection_millis = absl::ToInt64Milliseconds(now - run.since);
    faults.push_back(std::move(fault));
  }
  return faults;
}

const std::vector<std::string>& FaultClasses() {
  static const std::vector<std::string>* const classes = new std::vector<std::string>{
      kFaultRankExit, kFaultNaNLoss,   kFaultDeviceFault, kFaultHeartbeatTimeout,
      kFaultHang,     kFaultPodFailed, kFaultPodDeleted,  kFaultNodeNotReady,
      kFaultStraggler};
  return *classes;
}

std::vector<kube::FaultRecord> FaultsInHeartbeat(const Heartbeat& heartbeat, absl::Time now) {
  std::vector<kube::FaultRecord> faults;
  for (const AgentEvent& event : heartbeat.events) {
    if (event.type != kFaultRankExit) continue;
    // A rank that finished (exit code 0, no signal) is reported too; it is not a fault.
    if (event.exit_code.value_or(0) == 0 && !event.signal.has_value()) continue;
    kube::FaultRecord fault =
        Fault(kFaultRankExit, heartbeat.pod, event.rank,
              absl::StrCat("rank ", event.rank,
                           " exited:", ExitDescription(event.exit_code, event.signal)),
              now);
    if (event.at.has_value()) {
      fault.detection_millis = std::max<int64_t>(0, absl::ToInt64Milliseconds(now - *event.at));
    }
    faults.push_back(std::move(fault));
  }
  for (const RankReport& rank : heartbeat.ranks) {
    const bool failed_exit =
        rank.state == kRankExited && (rank.exit_code.value_or(0) != 0 || rank.signal.has_value());
    if (failed_exit && !HasExitEvent(heartbeat, rank.rank)) {
      faults.push_back(Fault(kFaultRankExit, heartbeat.pod, rank.rank,
                             absl::StrCat("rank ", rank.rank,
                                          " exited:", ExitDescription(rank.exit_code, rank.signal)),
                             now));
    }
    if (rank.loss_is_nan) {
      faults.push_back(
          Fault(kFaultNaNLoss, heartbeat.pod, rank.rank,
                absl::StrCat("rank ", rank.rank, " reported a NaN loss at step ", rank.step), now));
    }
  }
  if (heartbeat.health == "Unhealthy") {
    faults.push_back(Fault(kFaultDeviceFault, heartbeat.pod, std::nullopt,
                           "the agent reports an NPU fault", now));
  }
  return faults;
}

absl::Duration HangThreshold(const std::vector<double>& step_millis,
                             const kube::FaultToleranceSpec& spec) {
  const absl::Duration floor = absl::Seconds(spec.hang_timeout_seconds);
  if (step_millis.empty()) return floor;
  std::vector<double> sorted = step_millis;
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  return std::max(floor, absl::Milliseconds(median * kHangStepMultiple));
}

std::vector<kube::FaultRecord> StallFaults(const JobProgress& progress,
                                           const kube::FaultToleranceSpec& spec, absl::Time now) {
  std::vector<kube::FaultRecord> faults;
  const absl::Duration silence_limit = absl::Seconds(spec.heartbeat_timeout_seconds);
  const absl::Duration hang_limit = HangThreshold(progress.step_millis, spec);
  for (const auto& [pod, seen] : progress.heartbeats) {
    const absl::Duration silent = now - seen.received_at;
    if (silent >= silence_limit) {
      faults.push_back(Fault(kFaultHeartbeatTimeout, pod, std::nullopt,
                             absl::StrCat("no heartbeat for ", absl::FormatDuration(silent)), now));
      continue;
    }
    const bool running = std::any_of(seen.last.ranks.begin(), seen.last.ranks.end(),
                                     [](const RankReport& r) { return r.state == kRankRunning; });
    const absl::Duration stalled = now - seen.step_changed_at;
    if (running && stalled >= hang_limit) {
      faults.push_back(Fault(kFaultHang, pod, std::nullopt,
                             absl::StrCat("no step progress past step ", seen.step, " for ",
                                          absl::FormatDuration(stalled)),
                             now));
    }
  }
  return faults;
}

}  // namespace flyover::op
