#include "worker/checkpoint/checkpoint_writer.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "worker/checkpoint/layout.h"
#include "worker/checkpoint/shard_format.h"

namespace flyover::worker {
namespace {

absl::Status ValidateOptions(const CheckpointWriterOptions& o, const CheckpointBarrier* barrier) {
  if (o.root.empty()) return absl::InvalidArgumentError("checkpoint writer: root is empty");
  if (o.keep < 1) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint writer: keep ", o.keep, " < 1"));
  }
  if (o.world_size < 1 || o.rank < 0 || o.rank >= o.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint writer: rank ", o.rank,
                                                   " of world size ", o.world_size));
  }
  if (o.world_size > 1 && barrier == nullptr) {
    return absl::InvalidArgumentError("checkpoint writer: world size > 1 needs a barrier");
  }
  if (o.write_chunk_bytes == 0) {
    return absl::InvalidArgumentError("checkpoint writer: write_chunk_bytes is 0");
  }
  return absl::OkStatus();
}

// Aborted naming the first rank other than `self` whose report failed.
absl::Status PeerFailure(const std::vector<PhaseReport>& reports, int self, uint64_t step,
                         absl::string_view phase) {
  for (size_t r = 0; r < reports.size(); ++r) {
    if (static_cast<int>(r) == self || reports[r].status.ok()) continue;
    return absl::AbortedError(absl::StrCat("checkpoint step ", step, ": rank ", r, " failed at ",
                                           phase, ": ", reports[r].status.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CheckpointWriter>> CheckpointWriter::Create(
    FileSystem* fs, CheckpointBarrier* barrier, CheckpointWriterOptions options) {
  RETURN_IF_ERROR(ValidateOptions(options, barrier));
  RETURN_IF_ERROR(fs->CreateDirs(options.root));
  return std::unique_ptr<CheckpointWriter>(
      new CheckpointWriter(fs, barrier, std::move(options)));
}

CheckpointWriter::CheckpointWriter(FileSystem* fs, CheckpointBarrier* barrier,
                                   CheckpointWriterOptions options)
    : fs_(*fs),
      barrier_(barrier),
      options_(std::move(options)),
      logger_(log::Logger("checkpoint").WithValues({{"rank", options_.rank}})),
      thread_([this] { Run(); }) {}

CheckpointWriter::~CheckpointWriter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
  absl::MutexLock lock(&mu_);
  if (!error_.ok()) logger_.Error(error_, "checkpoint failure never collected by Wait");
}

absl::Status CheckpointWriter::Snapshot(const RankStateView& state) {
  RETURN_IF_ERROR(ValidateRankState(state));
  if (state.world_size != options_.world_size || state.rank != options_.rank) {
    return absl::InvalidArgumentError(absl::StrCat(
        "snapshot of rank ", state.rank, "/", state.world_size, " given to the writer of rank ",
        options_.rank, "/", options_.world_size));
  }
  absl::MutexLock serial(&snapshot_mu_);
  {
    absl::MutexLock lock(&mu_);
    if (!options_.clock->AwaitWithTimeout(&mu_, absl::Condition(this, &CheckpointWriter::Idle),
                                          options_.snapshot_wait_timeout)) {
      return absl::DeadlineExceededError(absl::StrCat(
          "snapshot of step ", state.step, ": checkpoint step ", job_->step,
          " still persisting after ", absl::FormatDuration(options_.snapshot_wait_timeout)));
    }
  }
  // Idle: the background thread does not touch buffer_ until the job is handed over.
  const absl::Time start = options_.clock->Now();
  const uint64_t size = ShardBodyBytes(state);
  if (size > buffer_capacity_) {
    buffer_.reset();  // free the old buffer before allocating the larger one
    buffer_.reset(new char[size]);
    buffer_capacity_ = size;
  }
  EncodeShardBody(state, buffer_.get());
  buffer_size_ = size;
  const absl::Duration copy = options_.clock->Now() - start;
  absl::MutexLock lock(&mu_);
  job_ = Job{.step = state.step,
             .num_elements = state.params.size(),
             .lr_schedule_step = state.lr_schedule_step,
             .range = state.range,
             .snapshot = copy};
  return absl::OkStatus();
}

absl::Status CheckpointWriter::Wait(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  if (!options_.clock->AwaitWithTimeout(&mu_, absl::Condition(this, &CheckpointWriter::Idle),
                                        timeout)) {
    return absl::DeadlineExceededError(absl::StrCat("checkpoint step ", job_->step,
                                                    " not persisted within ",
                                                    absl::FormatDuration(timeout)));
  }
  return std::exchange(error_, absl::OkStatus());
}

std::optional<uint64_t> CheckpointWriter::last_committed_step() const {
  absl::MutexLock lock(&mu_);
  if (!last_commit_.has_value()) return std::nullopt;
  return last_commit_->step;
}

std::optional<CheckpointCommitStats> CheckpointWriter::last_commit_stats() const {
  absl::MutexLock lock(&mu_);
  return last_commit_;
}

void CheckpointWriter::Run() {
  while (true) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &CheckpointWriter::HasWorkOrStopping));
      if (!job_.has_value()) return;  // stopping, nothing left to persist
      job = *job_;
    }
    CheckpointCommitStats stats{.step = job.step, .snapshot = job.snapshot};
    const absl::Status status = Persist(job, stats);
    if (!status.ok()) {
      logger_.Error(status, "checkpoint failed", {{"step", job.step}});
    }
    absl::MutexLock lock(&mu_);
    if (status.ok()) last_commit_ = stats;
    if (!status.ok() && error_.ok()) error_ = status;
    job_.reset();
  }
}

absl::StatusOr<std::vector<PhaseReport>> CheckpointWriter::Exchange(const Job& job,
                                                                    absl::string_view phase,
                                                                    const PhaseReport& report) {
  if (options_.world_size == 1) return std::vector<PhaseReport>{report};
  const std::string key = absl::StrCat("checkpoint/", job.step, "/", phase);
  absl::StatusOr<std::vector<std::string>> payloads = barrier_->AllGather(
      key, options_.rank, EncodePhaseReport(report), options_.barrier_timeout);
  if (!payloads.ok()) {
    return Annotate(payloads.status(), absl::StrCat("checkpoint step ", job.step, " ", phase));
  }
  if (payloads->size() != static_cast<size_t>(options_.world_size)) {
    return absl::InternalError(absl::StrCat("checkpoint step ", job.step, " ", phase, ": barrier ",
                                            "returned ", payloads->size(), " reports for ",
                                            options_.world_size, " ranks"));
  }
  std::vector<PhaseReport> reports;
  for (const std::string& payload : *payloads) {
    ASSIGN_OR_RETURN(PhaseReport decoded, DecodePhaseReport(payload));
    reports.push_back(std::move(decoded));
  }
  return reports;
}

absl::Status CheckpointWriter::Persist(const Job& job, CheckpointCommitStats& stats) {
  Clock& clock = *options_.clock;
  const absl::Time start = clock.Now();
  const bool coordinator = options_.rank == 0;
  const std::string dir = StepDirPath(options_.root, job.step);

  const absl::Status prepared =
      coordinator ? PrepareStepDir(fs_, options_.root, job.step) : absl::OkStatus();
  ASSIGN_OR_RETURN(std::vector<PhaseReport> reports, Exchange(job, "prepare", {prepared}));
  if (absl::IsAlreadyExists(reports[0].status)) {
    logger_.Info("checkpoint step already committed; kept", {{"step", job.step}, {"dir", dir}});
    stats.commit = clock.Now() - start;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(prepared);
  RETURN_IF_ERROR(PeerFailure(reports, options_.rank, job.step, "prepare"));

  const absl::StatusOr<ShardInfo> shard =
      WriteShardFile(fs_, dir, options_.rank, options_.world_size, job.range,
                     absl::string_view(buffer_.get(), buffer_size_), options_.write_chunk_bytes);
  PhaseReport written{.status = shard.status()};
  if (shard.ok()) written.shard = *shard;
  ASSIGN_OR_RETURN(reports, Exchange(job, "written", written));
  RETURN_IF_ERROR(shard.status());
  RETURN_IF_ERROR(PeerFailure(reports, options_.rank, job.step, "write"));

  const absl::Status committed =
      coordinator ? CommitAsCoordinator(job, reports) : absl::OkStatus();
  ASSIGN_OR_RETURN(reports, Exchange(job, "committed", {committed}));
  RETURN_IF_ERROR(committed);
  RETURN_IF_ERROR(PeerFailure(reports, options_.rank, job.step, "commit"));
  stats.shard_bytes = shard->bytes;
  stats.commit = clock.Now() - start;

  if (coordinator) {
    const absl::Time gc_start = clock.Now();
    if (absl::Status gc = ApplyRetention(fs_, options_.root, job.step, options_.keep); !gc.ok()) {
      // The new checkpoint is committed; a leftover older one is only wasted space.
      logger_.Warn("checkpoint retention failed", {{"step", job.step}, {"error", gc}});
    }
    stats.retention = clock.Now() - gc_start;
  }
  logger_.Info("checkpoint committed", {{"step", job.step},
                                        {"dir", dir},
                                        {"shard_bytes", stats.shard_bytes},
                                        {"snapshot", stats.snapshot},
                                        {"commit", stats.commit},
                                        {"retention", stats.retention}});
  return absl::OkStatus();
}

absl::Status CheckpointWriter::CommitAsCoordinator(const Job& job,
                                                   const std::vector<PhaseReport>& written) {
  Manifest manifest{.step = job.step,
                    .world_size = options_.world_size,
                    .num_elements = job.num_elements,
                    .lr_schedule_step = job.lr_schedule_step};
  for (size_t r = 0; r < written.size(); ++r) {
    if (!written[r].shard.has_value()) {
      return absl::InternalError(absl::StrCat("checkpoint step ", job.step, ": rank ", r,
                                              " reported success without a shard"));
    }
    manifest.shards.push_back(*written[r].shard);
  }
  if (absl::Status valid = ValidateManifest(manifest, StepDirPath(options_.root, job.step));
      !valid.ok()) {
    // The ranks' snapshots disagree (ranges that do not tile N): a bug in the caller.
    return absl::InvalidArgumentError(
        absl::StrCat("ranks' snapshots do not form a checkpoint: ", valid.message()));
  }
  return WriteManifest(fs_, StepDirPath(options_.root, job.step), manifest);
}

}  // namespace flyover::worker
