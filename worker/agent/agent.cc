// Agent: the main loop, rank start/stop and what the ranks report. Commands and
// heartbeats are in agent_commands.cc.
#include "worker/agent/agent.h"

#include <signal.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/agent/rank_env.h"
#include "worker/agent/rank_table_source.h"

namespace flyover::worker {

Agent::Agent(AgentOptions options, SupervisionClient* client, RankLauncher& launcher,
             Clock& clock, FileSystem& fs, AgentMetrics* metrics,
             const std::atomic<bool>* stop_requested)
    : options_(std::move(options)),
      client_(client),
      launcher_(launcher),
      clock_(clock),
      fs_(fs),
      metrics_(metrics),
      stop_requested_(stop_requested),
      generation_(options_.generation),
      first_generation_(options_.generation),
      logger_(log::Logger("agent").WithValues({{"pod", options_.pod}})) {}

int Agent::Run() {
  if (absl::Status status = Prepare(); !status.ok()) {
    logger_.Error(status, "agent cannot start ranks");
    if (absl::IsCancelled(status)) return kAgentStopped;
    if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status)) return kAgentRefused;
    return kAgentBadInput;
  }
  mode_since_ = clock_.Now();
  if (absl::Status status = StartAll(std::nullopt); !status.ok()) {
    logger_.Error(status, "cannot start rank processes");
    StopAndExit(kAgentRankFailed);
  }
  heartbeat_now_ = true;
  while (true) {
    const absl::Duration until_heartbeat =
        last_heartbeat_ + options_.heartbeat_interval - clock_.Now();
    // Wake at least every 100 ms for the mode's timers; without a supervisor there is no
    // heartbeat to wait for.
    const absl::Duration wait =
        client_ == nullptr
            ? absl::Milliseconds(100)
            : std::clamp(until_heartbeat, absl::ZeroDuration(), absl::Milliseconds(100));
    HandleEvents(launcher_.Poll(wait));
    if (stop_requested_ != nullptr && stop_requested_->load() && mode_ != Mode::kStopping) {
      logger_.Info("stop requested; forwarding SIGTERM to ranks");
      StopAndExit(kAgentStopped);
    }
    if (std::optional<int> code = MaybeHeartbeat()) return *code;
    if (std::optional<int> code = Advance()) return *code;
  }
}

absl::Status Agent::Prepare() {
  ASSIGN_OR_RETURN(RankTable table, ObtainRankTable({.path = options_.rank_table_file,
                                                     .timeout = options_.rank_table_timeout,
                                                     .poll = options_.rank_table_poll},
                                                    client_, fs_, clock_, stop_requested_));
  world_size_ = table.WorldSize();
  if (world_size_ != options_.replicas * options_.npus_per_replica) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rank table: world size ", world_size_, " differs from FLYOVER_REPLICAS x "
        "FLYOVER_NPUS_PER_REPLICA = ", options_.replicas, " x ", options_.npus_per_replica));
  }
  ASSIGN_OR_RETURN(LocalRanks local,
                   FindLocalRanks(table, options_.rank_index, options_.npus_per_replica));
  const auto& visible = options_.visible_devices;
  if (!visible.empty() && static_cast<int>(visible.size()) != options_.npus_per_replica) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ASCEND_VISIBLE_DEVICES: lists ", visible.size(), " dies, the pod runs ",
        options_.npus_per_replica, " ranks"));
  }
  std::vector<int> ranks;
  for (size_t i = 0; i < local.devices.size(); ++i) {
    Slot slot;
    slot.report.rank = local.devices[i].rank_id;
    slot.device_id = visible.empty() ? static_cast<int>(i) : visible[i];
    slots_.push_back(slot);
    ranks.push_back(slot.report.rank);
  }
  if (metrics_ != nullptr) metrics_->Init(ranks);
  logger_.Info("rank table ready", {{"world_size", world_size_},
                                    {"server", local.server->server_id},
                                    {"first_rank", ranks.front()}});
  return absl::OkStatus();
}

absl::Status Agent::StartAll(std::optional<int64_t> resume_step) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    RankLaunchSpec spec{.local_rank = static_cast<int>(i), .argv = options_.rank_argv};
    spec.env = RankEnvironment({.rank = slot.report.rank,
                                .world_size = world_size_,
                                .local_rank = static_cast<int>(i),
                                .device_id = slot.device_id,
                                .generation = generation_,
                                .resume_step = resume_step,
                                .rendezvous = options_.rendezvous,
                                .checkpoint_request_file = options_.checkpoint_request_file,
                                .ranks_per_pod = options_.replicas >= 2 ? options_.npus_per_replica : 0,
                                .replica_dir = options_.replica_dir});
    RETURN_IF_ERROR(launcher_.Start(spec));
    slot.report = RankReport{.rank = slot.report.rank};
    slot.stopping = false;
  }
  npu_fault_seen_ = false;
  if (metrics_ != nullptr) metrics_->SetGeneration(generation_);
  logger_.Info("ranks started", {{"generation", generation_}, {"ranks", slots_.size()},
                                 {"resume_step", resume_step ? absl::StrCat(*resume_step) : "newest"}});
  return absl::OkStatus();
}

void Agent::StopAll(int signal) {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (!launcher_.Running(static_cast<int>(i))) continue;
    slots_[i].stopping = true;
    (void)launcher_.Signal(static_cast<int>(i), SIGCONT);  // a paused rank must see SIGTERM
    (void)launcher_.Signal(static_cast<int>(i), signal);
  }
}

void Agent::KillStragglers() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (launcher_.Running(static_cast<int>(i))) (void)launcher_.Signal(static_cast<int>(i), SIGKILL);
  }
}

bool Agent::AnyRunning() const {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (launcher_.Running(static_cast<int>(i))) return true;
  }
  return false;
}

bool Agent::AllSucceeded() const {
  return std::all_of(slots_.begin(), slots_.end(),
                     [](const Slot& s) { return s.report.state == RankState::kSucceeded; });
}

void Agent::HandleEvents(const std::vector<LauncherEvent>& events) {
  for (const LauncherEvent& event : events) {
    if (event.local_rank < 0 || event.local_rank >= static_cast<int>(slots_.size())) continue;
    Slot& slot = slots_[event.local_rank];
    if (event.kind == LauncherEvent::Kind::kLine) {
      HandleLine(slot, event.line);
    } else {
      HandleExit(slot, event);
    }
  }
  if (pod_killed_pending_ && !AnyRunning()) {
    pod_killed_pending_ = false;
    if (options_.on_pod_killed) options_.on_pod_killed();
  }
}

void Agent::HandleLine(Slot& slot, const std::string& text) {
  absl::StatusOr<ProgressLine> line = ParseProgressLine(text);
  if (!line.ok()) {
    logger_.Warn("ignoring a malformed progress line", {{"rank", slot.report.rank}, {"error", line.status()}});
    return;
  }
  if (slot.report.state == RankState::kStarting) slot.report.state = RankState::kRunning;
  if (options_.on_progress) options_.on_progress(slot.report.rank, generation_, *line);
  if (line->step.has_value()) {
    slot.report.step = *line->step;
    slot.report.loss = line->loss;
    slot.report.step_millis = line->step_millis;
    if (metrics_ != nullptr) {
      metrics_->RecordStep(slot.report.rank, *line->step, line->loss.value_or(0),
                           line->step_millis.value_or(0));
      if (line->tokens.has_value()) {
        metrics_->RecordTokens(slot.report.rank, *line->tokens, line->step_millis.value_or(0));
      }
    }
    MaybeKillForChaos(slot, *line->step);
  }
  if (line->checkpoint.has_value()) slot.checkpoint = *line->checkpoint;
  if (line->checkpoint_stall_millis.has_value() && metrics_ != nullptr) {
    metrics_->RecordCheckpointStall(slot.report.rank, *line->checkpoint_stall_millis);
  }
  if (line->eval_phase.has_value()) {
    logger_.Info("evaluation", {{"rank", slot.report.rank}, {"phase", *line->eval_phase},
                                {"accuracy", line->eval_accuracy.value_or(-1)}});
    // Every rank evaluates the same model on the same examples: the pod's first rank speaks.
    if (&slot == &slots_.front()) {
      pending_evaluations_.push_back({.phase = *line->eval_phase,
                                      .accuracy = line->eval_accuracy,
                                      .examples = line->eval_examples});
      heartbeat_now_ = true;
    }
  }
}

void Agent::MaybeKillForChaos(const Slot& slot, int64_t step) {
  const bool chosen = options_.kill_pod || slot.report.rank == options_.kill_rank;
  if (!chosen || killed_for_chaos_ || generation_ != first_generation_ ||
      options_.kill_at_step < 0 || step < options_.kill_at_step) {
    return;
  }
  killed_for_chaos_ = true;
  if (!options_.kill_pod) {
    logger_.Warn("killing rank (chaos)", {{"rank", slot.report.rank}, {"step", step}});
    (void)launcher_.Signal(static_cast<int>(&slot - slots_.data()), SIGKILL);
    return;
  }
  logger_.Warn("killing the pod's ranks (chaos)", {{"pod", options_.pod}, {"step", step}});
  for (size_t i = 0; i < slots_.size(); ++i) (void)launcher_.Signal(static_cast<int>(i), SIGKILL);
  pod_killed_pending_ = true;
}

void Agent::HandleExit(Slot& slot, const LauncherEvent& event) {
  slot.report.exit_code = event.exit_code;
  slot.report.signal = event.signal;
  const bool clean = event.exit_code == 0 && !event.signal.has_value();
  slot.report.state = clean ? RankState::kSucceeded : RankState::kExited;
  if (slot.stopping) return;  // the agent stopped it; not a fault
  if (event.exit_code == kRankExitNpuFault) npu_fault_seen_ = true;
  pending_events_.push_back({.rank = slot.report.rank, .exit_code = event.exit_code,
                             .signal = event.signal, .at = clock_.Now()});
  heartbeat_now_ = true;
  logger_.Info("rank exited", {{"rank", slot.report.rank},
                               {"exit_code", event.exit_code.value_or(-1)},
                               {"signal", event.signal.value_or(0)},
                               {"step", slot.report.step},
                               {"loss", slot.report.loss.value_or(-1)}});
  if (!clean && mode_ == Mode::kRunning) EnterMode(Mode::kFailed);
}

std::optional<int64_t> Agent::PodCheckpointStep() const {
  std::optional<int64_t> step;
  for (const Slot& slot : slots_) {
    if (!slot.checkpoint.has_value()) return last_checkpoint_step_;
    step = step.has_value() ? std::min(*step, *slot.checkpoint) : *slot.checkpoint;
  }
  return step.has_value() ? step : last_checkpoint_step_;
}

}  // namespace flyover::worker
