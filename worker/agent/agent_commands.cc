// Agent: heartbeats, the commands they bring back, and the mode machine of the main loop.
#include <signal.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/atomic_file.h"
#include "nlohmann/json.hpp"
#include "worker/agent/agent.h"

namespace flyover::worker {

void Agent::EnterMode(Mode mode) {
  mode_ = mode;
  mode_since_ = clock_.Now();
}

void Agent::StopAndExit(int code) {
  exit_after_stop_ = code;
  StopAll(SIGTERM);
  EnterMode(Mode::kStopping);
}

Heartbeat Agent::BuildHeartbeat() {
  Heartbeat heartbeat{.pod = options_.pod,
                      .rank_index = options_.rank_index,
                      .generation = generation_,
                      .last_checkpoint_step = PodCheckpointStep(),
                      .healthy = !npu_fault_seen_,
                      .events = pending_events_,
                      .evaluations = pending_evaluations_};
  for (const Slot& slot : slots_) heartbeat.ranks.push_back(slot.report);
  return heartbeat;
}

std::optional<int> Agent::MaybeHeartbeat() {
  if (client_ == nullptr) return std::nullopt;
  const absl::Time now = clock_.Now();
  if (!heartbeat_now_ && now < last_heartbeat_ + options_.heartbeat_interval) return std::nullopt;
  heartbeat_now_ = false;
  last_heartbeat_ = now;
  absl::StatusOr<std::vector<Command>> commands = client_->SendHeartbeat(BuildHeartbeat());
  if (commands.ok()) {
    pending_events_.clear();
    pending_evaluations_.clear();
    for (const Command& command : *commands) {
      if (std::find(applied_commands_.begin(), applied_commands_.end(), command.id) !=
          applied_commands_.end()) {
        continue;
      }
      applied_commands_.push_back(command.id);
      ApplyCommand(command);
    }
    return std::nullopt;
  }
  if (metrics_ != nullptr) metrics_->RecordHeartbeatFailure();
  const absl::Status& status = commands.status();
  if (absl::IsAborted(status)) {
    pending_events_.clear();
    if (mode_ != Mode::kSuperseded && mode_ != Mode::kStopping) {
      logger_.Warn("generation superseded; stopping ranks", {{"generation", generation_}});
      StopAll(SIGTERM);
      EnterMode(Mode::kSuperseded);
    }
  } else if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status) ||
             absl::IsInvalidArgument(status)) {
    logger_.Error(status, "supervision endpoint refused the heartbeat");
    if (mode_ != Mode::kStopping) StopAndExit(kAgentRefused);
  } else {
    logger_.Warn("heartbeat failed; will retry", {{"error", status}});
  }
  return std::nullopt;
}

void Agent::ApplyCommand(const Command& command) {
  logger_.Info("applying command", {{"id", command.id},
                                    {"kind", CommandKindName(command.kind)},
                                    {"generation", command.generation}});
  if (mode_ == Mode::kStopping) return;
  switch (command.kind) {
    case CommandKind::kPause:
    case CommandKind::kResume:
      for (size_t i = 0; i < slots_.size(); ++i) {
        if (!launcher_.Running(static_cast<int>(i))) continue;
        (void)launcher_.Signal(static_cast<int>(i),
                               command.kind == CommandKind::kPause ? SIGSTOP : SIGCONT);
      }
      return;
    case CommandKind::kRestartInPlace:
      pending_generation_ = command.generation;
      pending_resume_step_ = command.resume_step;
      StopAll(SIGTERM);
      EnterMode(Mode::kRestarting);
      return;
    case CommandKind::kCheckpointNow:
      RequestCheckpoint(command);
      return;
  }
}

void Agent::RequestCheckpoint(const Command& command) {
  if (options_.checkpoint_request_file.empty()) {
    logger_.Warn("CheckpointNow ignored: no checkpoint request file", {{"id", command.id}});
    return;
  }
  ++checkpoint_requests_;
  const std::string body =
      nlohmann::json({{"id", command.id}, {"sequence", checkpoint_requests_}}).dump() + "\n";
  if (absl::Status status = WriteFileAtomically(fs_, options_.checkpoint_request_file, body);
      !status.ok()) {
    logger_.Error(status, "cannot write the checkpoint request", {{"id", command.id}});
  }
}

void Agent::SendFinalHeartbeat() {
  heartbeat_now_ = true;
  (void)MaybeHeartbeat();
}

std::optional<int> Agent::Advance() {
  const absl::Duration in_mode = clock_.Now() - mode_since_;
  switch (mode_) {
    case Mode::kRunning:
      if (!AllSucceeded()) return std::nullopt;
      logger_.Info("every rank finished", {{"generation", generation_}});
      SendFinalHeartbeat();
      return kAgentSucceeded;
    case Mode::kFailed:
      // Without a supervisor nobody will restart the ranks: stop the rest at once.
      if (client_ == nullptr || in_mode >= options_.command_timeout) StopAndExit(kAgentRankFailed);
      return std::nullopt;
    case Mode::kSuperseded:
      if (in_mode >= options_.stop_grace) KillStragglers();
      if (in_mode >= options_.command_timeout) StopAndExit(kAgentSuperseded);
      return std::nullopt;
    case Mode::kRestarting:
      if (in_mode >= options_.stop_grace) KillStragglers();
      if (AnyRunning()) return std::nullopt;
      generation_ = pending_generation_;
      if (absl::Status status = StartAll(pending_resume_step_); !status.ok()) {
        logger_.Error(status, "cannot restart rank processes");
        StopAndExit(kAgentRankFailed);
        return std::nullopt;
      }
      for (const Slot& slot : slots_) {
        if (metrics_ != nullptr) metrics_->RecordRestart(slot.report.rank);
      }
      EnterMode(Mode::kRunning);
      heartbeat_now_ = true;
      return std::nullopt;
    case Mode::kStopping:
      if (in_mode >= options_.stop_grace) KillStragglers();
      if (AnyRunning()) return std::nullopt;
      SendFinalHeartbeat();
      return exit_after_stop_;
  }
  return std::nullopt;
}

}  // namespace flyover::worker
