// Trainer: checkpoints (save, report, resume).
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/checkpoint/checkpoint_loader.h"
#include "worker/checkpoint/shard_format.h"
#include "worker/train/trainer.h"

namespace flyover::worker {
namespace {

constexpr absl::Duration kCheckpointWait = absl::Minutes(10);

ElementRange RangeOf(const ShardRange& shard) {
  return ElementRange{shard.offset, shard.offset + shard.size};
}

bool Newer(const absl::StatusOr<RestoredState>& a, const absl::StatusOr<RestoredState>& b) {
  return a.ok() && (!b.ok() || a->step > b->step);
}

}  // namespace

absl::Status Trainer::WithStateView(
    const std::function<absl::Status(const RankStateView&)>& use) {
  ASSIGN_OR_RETURN(const std::vector<float> params, model_->GetParameters());
  ASSIGN_OR_RETURN(const std::vector<float> m, optimizer_->GetM());
  ASSIGN_OR_RETURN(const std::vector<float> v, optimizer_->GetV());
  const std::string rng = loader_->SaveRngState(), cursor = loader_->SaveCursor();
  return use(RankStateView{.step = static_cast<uint64_t>(step_),
                           .lr_schedule_step = static_cast<uint64_t>(optimizer_->step()),
                           .world_size = deps_.comm->size(),
                           .rank = deps_.comm->rank(),
                           .params = params,
                           .range = RangeOf(optimizer_->shard()),
                           .adam_m = m,
                           .adam_v = v,
                           .rng_state = rng,
                           .data_cursor = cursor});
}

absl::Status Trainer::SaveCheckpoint() {
  const absl::Status snapshot = WithStateView([this](const RankStateView& view) -> absl::Status {
    RETURN_IF_ERROR(writer_->Snapshot(view));
    if (deps_.replicas == nullptr || options_.config.checkpoint.in_memory_replicas <= 0) {
      return absl::OkStatus();
    }
    ASSIGN_OR_RETURN(EncodedShard shard, EncodeShard(view));
    return deps_.replicas->Put({.job = options_.job,
                                .rank = deps_.comm->rank(),
                                .step = static_cast<uint64_t>(step_),
                                .bytes = std::move(shard.bytes),
                                .crc32 = shard.crc32});
  });
  RETURN_IF_ERROR(snapshot);
  if (!options_.config.checkpoint.async) RETURN_IF_ERROR(writer_->Wait(kCheckpointWait));
  return absl::OkStatus();
}

void Trainer::ReportCommits() {
  if (writer_ == nullptr) return;
  const std::optional<uint64_t> committed = writer_->last_committed_step();
  if (committed.has_value() && static_cast<int64_t>(*committed) > reported_checkpoint_) {
    reported_checkpoint_ = static_cast<int64_t>(*committed);
    deps_.progress->CheckpointCommitted(reported_checkpoint_);
  }
}

absl::Status Trainer::FinishCheckpoints() {
  if (writer_ == nullptr) return absl::OkStatus();
  RETURN_IF_ERROR(writer_->Wait(kCheckpointWait));
  ReportCommits();
  return absl::OkStatus();
}

absl::StatusOr<bool> Trainer::Resume() {
  const LoadRequest request{.world_size = deps_.comm->size(),
                            .rank = deps_.comm->rank(),
                            .optimizer_range = RangeOf(optimizer_->shard())};
  absl::StatusOr<RestoredState> disk = absl::NotFoundError("no checkpoint storage");
  if (deps_.fs != nullptr && options_.config.checkpoint.interval_steps > 0) {
    CheckpointLoader loader(deps_.fs, root_);
    disk = options_.resume_step.has_value()
               ? loader.LoadStep(static_cast<uint64_t>(*options_.resume_step), request)
               : loader.LoadLatest(request);
  }
  absl::StatusOr<RestoredState> memory = absl::NotFoundError("no replicas");
  if (deps_.replicas != nullptr) {
    memory = LoadFromReplicas(*deps_.replicas, options_.job, request);
    if (memory.ok() && options_.resume_step.has_value() &&
        memory->step != static_cast<uint64_t>(*options_.resume_step)) {
      memory = absl::NotFoundError("no replica of the requested step");
    }
  }
  ASSIGN_OR_RETURN(std::optional<RestoredState> held, RecoverHeldReplicas(request, disk));
  if (held.has_value()) {
    RETURN_IF_ERROR(RestoreFrom(*held));
    return true;
  }
  if (Newer(memory, disk)) {
    RETURN_IF_ERROR(RestoreFrom(*memory));
    return true;
  }
  if (disk.ok()) {
    RETURN_IF_ERROR(RestoreFrom(*disk));
    return true;
  }
  if (disk.status().code() != absl::StatusCode::kNotFound) return disk.status();
  if (options_.resume_step.has_value() && *options_.resume_step > 0) {
    return absl::NotFoundError(absl::StrCat("resume step ", *options_.resume_step,
                                            ": no such checkpoint under ", root_));
  }
  return false;
}

absl::Status Trainer::RestoreFrom(const RestoredState& state) {
  if (state.num_elements != static_cast<uint64_t>(model_->num_parameters())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "checkpoint ", state.source, ": ", state.num_elements,
        " parameters, the configured model has ", model_->num_parameters()));
  }
  RETURN_IF_ERROR(model_->SetParameters(state.params));
  RETURN_IF_ERROR(optimizer_->Restore(static_cast<int64_t>(state.lr_schedule_step),
                                      state.adam_m, state.adam_v));
  // Every rank holds the same cursor (data_loader.h), so any saved rank's serves when the
  // world size changed.
  const size_t from = state.saved_world_size == deps_.comm->size()
                          ? static_cast<size_t>(deps_.comm->rank())
                          : 0;
  if (from >= state.data_cursors.size() || from >= state.rng_states.size()) {
    return absl::DataLossError(absl::StrCat("checkpoint ", state.source, ": no data cursor"));
  }
  RETURN_IF_ERROR(loader_->Restore(state.data_cursors[from], state.rng_states[from]));
  step_ = static_cast<int64_t>(state.step);
  reported_checkpoint_ = step_;
  return absl::OkStatus();
}

}  // namespace flyover::worker
