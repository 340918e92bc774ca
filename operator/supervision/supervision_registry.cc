#include "operator/supervision/supervision_registry.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "operator/supervision/fault_detector.h"

namespace flyover::op {
namespace {

constexpr size_t kMaxStepSamples = 64;

int64_t LowestStep(const Heartbeat& heartbeat) {
  if (heartbeat.ranks.empty()) return 0;
  int64_t lowest = heartbeat.ranks.front().step;
  for (const RankReport& rank : heartbeat.ranks) lowest = std::min(lowest, rank.step);
  return lowest;
}

// The lowest step of the ranks that are Running (a restarted rank is Starting, at step 0,
// until its first progress line); nothing when none is.
std::optional<int64_t> LowestRunningStep(const Heartbeat& heartbeat) {
  std::optional<int64_t> lowest;
  for (const RankReport& rank : heartbeat.ranks) {
    if (rank.state != kRankRunning) continue;
    lowest = std::min(lowest.value_or(rank.step), rank.step);
  }
  return lowest;
}

// A Straggler is recorded once per episode, and a rank may straggle again later in the same
// generation: its key carries the detection time.
std::string FaultKey(const kube::FaultRecord& fault) {
  std::string key =
      absl::StrCat(fault.fault_class, "/", fault.pod, "/", fault.rank.value_or(-1));
  if (fault.fault_class == kFaultStraggler && fault.detected_at.has_value()) {
    absl::StrAppend(&key, "/", absl::ToUnixMillis(*fault.detected_at));
  }
  return key;
}

}  // namespace

void SupervisionRegistry::RegisterJob(const std::string& job, JobRegistration registration) {
  absl::MutexLock lock(&mu_);
  Job& entry = jobs_[job];
  const bool new_generation =
      entry.registration.token.empty() || registration.generation != entry.progress.generation;
  if (new_generation) {
    entry.progress = JobProgress{};
    entry.progress.generation = registration.generation;
    entry.progress.registered_at = clock_->Now();
    entry.commands.clear();
    entry.fault_keys.clear();
    entry.stragglers = StragglerState{};
  }
  entry.progress.pods = registration.pods;
  entry.registration = std::move(registration);
}

void SupervisionRegistry::ForgetJob(const std::string& job) {
  absl::MutexLock lock(&mu_);
  jobs_.erase(job);
}

std::optional<std::string> SupervisionRegistry::Token(const std::string& job) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.registration.token;
}

void SupervisionRegistry::PublishRankTable(const std::string& job, int32_t generation,
                                           nlohmann::json table) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end() || it->second.progress.generation != generation) return;
  it->second.progress.rank_table = std::move(table);
}

absl::StatusOr<nlohmann::json> SupervisionRegistry::AwaitRankTable(const std::string& job,
                                                                   absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto ready = [this, &job]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shutdown_) return true;
    auto it = jobs_.find(job);
    return it != jobs_.end() && it->second.progress.rank_table.has_value();
  };
  clock_->AwaitWithDeadline(&mu_, absl::Condition(&ready), deadline);
  if (shutdown_) return absl::UnavailableError("the operator is shutting down");
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: ", job, " is not known"));
  if (!it->second.progress.rank_table.has_value()) {
    return absl::NotFoundError(
        absl::StrCat("ranktable: not complete for generation ", it->second.progress.generation));
  }
  return *it->second.progress.rank_table;
}

absl::StatusOr<std::vector<Command>> SupervisionRegistry::RecordHeartbeat(
    const std::string& job, const Heartbeat& heartbeat) {
  std::vector<Command> commands;
  {
    absl::MutexLock lock(&mu_);
    auto it = jobs_.find(job);
    if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: ", job, " is not known"));
    Job& entry = it->second;
    JobProgress& progress = entry.progress;
    if (heartbeat.generation < progress.generation) {
      // A pod restarting in place into the current generation still needs its command.
      for (Command& command : PendingFor(entry, heartbeat.pod, clock_->Now())) {
        if (command.kind == kCommandRestartInPlace && command.generation == progress.generation) {
          commands.push_back(std::move(command));
        }
      }
      if (!commands.empty()) return commands;
      return absl::AbortedError(absl::StrCat("generation: ", heartbeat.generation,
                                             " is superseded by ", progress.generation));
    }
    if (heartbeat.generation > progress.generation) {
      return absl::InvalidArgumentError(absl::StrCat(
          "generation: ", heartbeat.generation, " is newer than the job's ", progress.generation));
    }
    const auto& pods = progress.pods;
    if (heartbeat.rank_index < 0 || heartbeat.rank_index >= static_cast<int32_t>(pods.size()) ||
        pods[heartbeat.rank_index] != heartbeat.pod) {
      return absl::InvalidArgumentError(absl::StrCat("pod: \"", heartbeat.pod, "\" with rankIndex ",
                                                     heartbeat.rank_index, " is not a pod of job ",
                                                     job));
    }
    const absl::Time now = clock_->Now();
    PodProgress& seen = progress.heartbeats[heartbeat.pod];
    const int64_t step = LowestStep(heartbeat);
    if (seen.received_at == absl::Time() || step > seen.step) seen.step_changed_at = now;
    seen.step = std::max(seen.step, step);
    if (const std::optional<int64_t> low = LowestRunningStep(heartbeat); low.has_value()) {
      seen.baseline_step = std::min(seen.baseline_step.value_or(*low), *low);
    }
    seen.last = heartbeat;
    seen.received_at = now;
    for (const RankReport& rank : heartbeat.ranks) {
      if (rank.step_millis.has_value() && rank.state == kRankRunning) {
        progress.step_millis.push_back(*rank.step_millis);
      }
    }
    if (progress.step_millis.size() > kMaxStepSamples) {
      progress.step_millis.erase(progress.step_millis.begin(),
                                 progress.step_millis.end() - kMaxStepSamples);
    }
    for (const Evaluation& eval : heartbeat.evaluations) progress.evaluations.push_back(eval);
    for (kube::FaultRecord& fault : FaultsInHeartbeat(heartbeat, now)) {
      RecordFaultLocked(entry, std::move(fault));
    }
    for (kube::FaultRecord& fault :
         StragglerFaults(progress, heartbeat, straggler_options_, &entry.stragglers, now)) {
      RecordFaultLocked(entry, std::move(fault));
    }
    commands = PendingFor(entry, heartbeat.pod, now);
  }
  Notify(job);
  return commands;
}

absl::StatusOr<std::string> SupervisionRegistry::AddCommand(const std::string& job,
                                                            const std::string& pod, Command command,
                                                            absl::Duration retention) {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return absl::NotFoundError(absl::StrCat("job: ", job, " is not known"));
  Job& entry = it->second;
  if (std::find(entry.progress.pods.begin(), entry.progress.pods.end(), pod) ==
      entry.progress.pods.end()) {
    return absl::NotFoundError(absl::StrCat("pod: ", pod, " is not a pod of job ", job));
  }
  command.id = absl::StrCat("c-", entry.next_command++);
  entry.commands.push_back({.pod = pod, .command = command, .expires = clock_->Now() + retention});
  return command.id;
}

std::vector<Command> SupervisionRegistry::PendingFor(Job& job, const std::string& pod,
                                                     absl::Time now) {
  std::erase_if(job.commands, [now](const PendingCommand& c) { return c.expires <= now; });
  std::vector<Command> commands;
  for (const PendingCommand& pending : job.commands) {
    if (pending.pod == pod) commands.push_back(pending.command);
  }
  return commands;
}

std::optional<JobProgress> SupervisionRegistry::Progress(const std::string& job) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return std::nullopt;
  return it->second.progress;
}

bool SupervisionRegistry::RecordFault(const std::string& job, kube::FaultRecord fault) {
  bool recorded = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = jobs_.find(job);
    if (it == jobs_.end()) return false;
    recorded = RecordFaultLocked(it->second, std::move(fault));
  }
  if (recorded) Notify(job);
  return recorded;
}

bool SupervisionRegistry::RecordFaultLocked(Job& job, kube::FaultRecord fault) {
  if (!job.fault_keys.insert(FaultKey(fault)).second) return false;
  job.faults.push_back(std::move(fault));
  if (job.faults.size() > kMaxFaults) job.faults.erase(job.faults.begin());
  return true;
}

std::vector<kube::FaultRecord> SupervisionRegistry::Faults(const std::string& job) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(job);
  if (it == jobs_.end()) return {};
  return it->second.faults;
}

void SupervisionRegistry::SetListener(std::function<void(const std::string& job)> listener) {
  absl::MutexLock lock(&mu_);
  listener_ = std::move(listener);
}

void SupervisionRegistry::Notify(const std::string& job) {
  std::function<void(const std::string&)> listener;
  {
    absl::MutexLock lock(&mu_);
    listener = listener_;
  }
  if (listener) listener(job);
}

void SupervisionRegistry::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutdown_ = true;
}

}  // namespace flyover::op
