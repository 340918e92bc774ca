#include "apiserver/storage/group_committer.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status.h"

namespace flyover::apiserver::storage {

GroupCommitter::GroupCommitter(RevisionLog* log, Clock* clock,
                               std::shared_ptr<StorageMetrics> metrics, ChangeSink sink,
                               CommitterOptions options)
    : log_(log),
      clock_(clock),
      metrics_(std::move(metrics)),
      sink_(std::move(sink)),
      options_(options) {}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Start() {
  absl::MutexLock lock(&mu_);
  if (started_) return;
  started_ = true;
  // Finish a compaction a crash interrupted: the log knows its target, not its progress.
  compact_target_ = log_->CompactRevision();
  thread_ = std::thread([this] { Run(); });
}

void GroupCommitter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<std::shared_ptr<const Change>> GroupCommitter::Submit(Mutation mutation) {
  auto pending = std::make_shared<Pending>();
  pending->mutation = std::move(mutation);
  const std::string key = pending->mutation.key;
  absl::MutexLock lock(&mu_);
  if (!started_ || stopping_) return absl::UnavailableError("the storage is closed");
  queue_.push_back(pending);
  if (!clock_->AwaitWithTimeout(&mu_, absl::Condition(&pending->done), options_.write_timeout)) {
    return absl::DeadlineExceededError(
        absl::StrCat("write of ", key, " was not acknowledged within ",
                     absl::FormatDuration(options_.write_timeout), "; it may still be applied"));
  }
  return std::move(pending->result);
}

absl::Status GroupCommitter::Compact(int64_t revision) {
  if (revision > log_->CurrentRevision()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "revision: ", revision, " is above the current revision ", log_->CurrentRevision()));
  }
  absl::MutexLock lock(&mu_);
  if (!started_ || stopping_) return absl::UnavailableError("the storage is closed");
  if (revision > compact_target_) {
    compact_target_ = revision;
    compact_target_set_ = false;
    compact_cursor_ = 0;
  }
  const int64_t failures = compact_failures_;
  auto settled = [&] {
    mu_.AssertHeld();
    return compacted_through_ >= revision || stopping_ || compact_failures_ != failures;
  };
  mu_.Await(absl::Condition(&settled));
  if (compacted_through_ >= revision) return absl::OkStatus();
  if (compact_failures_ != failures) return compact_error_;
  return absl::UnavailableError("the storage closed before compaction finished");
}

void GroupCommitter::Run() {
  const bool periodic = options_.compaction_interval > absl::ZeroDuration();
  absl::Time next_tick =
      periodic ? clock_->Now() + options_.compaction_interval : absl::InfiniteFuture();
  int64_t revision_at_last_tick = log_->CurrentRevision();
  while (true) {
    std::vector<std::shared_ptr<Pending>> batch;
    bool compact = false;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this] {
        mu_.AssertHeld();
        return stopping_ || !queue_.empty() || CompactionPending();
      };
      clock_->AwaitWithDeadline(&mu_, absl::Condition(&ready), next_tick);
      if (stopping_ && queue_.empty()) return;
      TakeBatch(batch);
      AwaitSiblings(batch);
      compact = CompactionPending() && !stopping_;
    }
    if (!batch.empty()) CommitBatch(batch);
    if (compact) CompactionStep();
    if (periodic && clock_->Now() >= next_tick) {
      ScheduleCompaction(revision_at_last_tick);
      next_tick = clock_->Now() + options_.compaction_interval;
    }
  }
}

void GroupCommitter::TakeBatch(std::vector<std::shared_ptr<Pending>>& batch) {
  size_t bytes = 0;
  for (const auto& pending : batch) bytes += pending->mutation.value.size();
  while (!queue_.empty() && batch.size() < options_.max_batch_mutations) {
    const size_t size = queue_.front()->mutation.value.size();
    if (!batch.empty() && bytes + size > options_.max_batch_bytes) break;
    bytes += size;
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void GroupCommitter::AwaitSiblings(std::vector<std::shared_ptr<Pending>>& batch) {
  if (batch.empty()) return;
  if (batch.size() < last_batch_size_ && !stopping_ &&
      options_.commit_delay > absl::ZeroDuration()) {
    const size_t missing = last_batch_size_ - batch.size();
    auto arrived = [this, missing] {
      mu_.AssertHeld();
      return stopping_ || queue_.size() >= missing;
    };
    mu_.AwaitWithTimeout(absl::Condition(&arrived), options_.commit_delay);
    TakeBatch(batch);
  }
  last_batch_size_ = batch.size();
}

void GroupCommitter::CommitBatch(const std::vector<std::shared_ptr<Pending>>& batch) {
  // Only this thread touches a taken mutation; writers read just `done` and `result`.
  std::vector<Mutation> mutations;
  mutations.reserve(batch.size());
  for (const auto& pending : batch) mutations.push_back(std::move(pending->mutation));
  const absl::Time start = clock_->Now();
  absl::StatusOr<std::vector<MutationOutcome>> outcomes = log_->Apply(mutations);
  metrics_->Committed(outcomes.ok(), batch.size(), clock_->Now() - start);
  if (!outcomes.ok()) {
    log::Error(outcomes.status(), "storage commit failed", {{"mutations", batch.size()}});
  } else {
    std::vector<std::shared_ptr<const Change>> changes;
    for (const MutationOutcome& outcome : *outcomes) {
      if (outcome.status.ok()) changes.push_back(outcome.change);
    }
    if (!changes.empty()) sink_(std::move(changes));
  }
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < batch.size(); ++i) {
    Pending& pending = *batch[i];
    if (!outcomes.ok()) {
      pending.result = Annotate(outcomes.status(), "commit failed, nothing written");
    } else if (!(*outcomes)[i].status.ok()) {
      pending.result = (*outcomes)[i].status;
    } else {
      pending.result = (*outcomes)[i].change;
    }
    pending.done = true;
  }
}

void GroupCommitter::CompactionStep() {
  int64_t target = 0;
  int64_t cursor = 0;
  bool target_set = false;
  {
    absl::MutexLock lock(&mu_);
    if (!CompactionPending()) return;
    target = compact_target_;
    cursor = compact_cursor_;
    target_set = compact_target_set_;
  }
  absl::Status status = target_set ? absl::OkStatus() : log_->SetCompactRevision(target);
  CompactProgress progress;
  if (status.ok()) {
    absl::StatusOr<CompactProgress> step = log_->CompactStep(cursor, options_.compaction_step);
    status = step.status();
    if (step.ok()) progress = *step;
  }
  metrics_->Compacted(progress.deleted);
  absl::MutexLock lock(&mu_);
  if (!status.ok()) {
    log::Error(status, "storage compaction failed", {{"revision", target}});
    compact_error_ = status;
    ++compact_failures_;
    compact_target_ = compacted_through_;  // give up; the next request or tick starts over
    compact_target_set_ = true;
    return;
  }
  if (target != compact_target_) return;  // raised meanwhile: that restarts from the start
  compact_target_set_ = true;
  compact_cursor_ = progress.cursor;
  if (progress.done) compacted_through_ = target;
}

void GroupCommitter::ScheduleCompaction(int64_t& revision_at_last_tick) {
  const int64_t current = log_->CurrentRevision();
  const int64_t target = std::min(revision_at_last_tick, current - options_.min_retained_revisions);
  revision_at_last_tick = current;
  absl::MutexLock lock(&mu_);
  if (target <= compact_target_) return;
  compact_target_ = target;
  compact_target_set_ = false;
  compact_cursor_ = 0;
}

}  // namespace flyover::apiserver::storage
