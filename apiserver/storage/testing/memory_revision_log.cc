#include "apiserver/storage/testing/memory_revision_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/storage/errors.h"

namespace flyover::apiserver::storage {

absl::StatusOr<std::vector<MutationOutcome>> MemoryRevisionLog::Apply(
    absl::Span<const Mutation> mutations) {
  std::function<void(size_t)> hook;
  {
    absl::MutexLock lock(&mu_);
    hook = before_apply_;
    batch_sizes_.push_back(mutations.size());
  }
  if (hook) hook(mutations.size());
  absl::MutexLock lock(&mu_);
  if (fail_next_.has_value()) {
    absl::Status status = *std::move(fail_next_);
    fail_next_.reset();
    return status;
  }
  std::vector<MutationOutcome> outcomes;
  outcomes.reserve(mutations.size());
  for (const Mutation& mutation : mutations) {
    absl::StatusOr<Change> planned = PlanMutation(mutation, Latest(mutation.key));
    if (!planned.ok()) {
      outcomes.push_back({planned.status(), nullptr});
      continue;
    }
    planned->revision = current_.load() + 1;
    if (planned->kind == Change::Kind::kCreated) planned->create_revision = planned->revision;
    auto change = std::make_shared<const Change>(*std::move(planned));
    Record(change);
    outcomes.push_back({absl::OkStatus(), std::move(change)});
  }
  return outcomes;
}

absl::Status MemoryRevisionLog::SetCompactRevision(int64_t revision) {
  absl::MutexLock lock(&mu_);
  if (revision > current_.load()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compact revision ", revision, " is above the current revision ", current_.load()));
  }
  if (revision > compacted_.load()) compacted_.store(revision);
  return absl::OkStatus();
}

absl::StatusOr<CompactProgress> MemoryRevisionLog::CompactStep(int64_t cursor,
                                                               int64_t max_changes) {
  absl::MutexLock lock(&mu_);
  CompactProgress progress{cursor, 0, true};
  std::vector<int64_t> doomed;
  for (auto it = log_.upper_bound(cursor); it != log_.end() && it->first <= compacted_.load();
       ++it) {
    if (static_cast<int64_t>(doomed.size()) == max_changes) {
      progress.done = false;
      break;
    }
    progress.cursor = it->first;
    if (Compactable(*it->second)) doomed.push_back(it->first);
  }
  for (int64_t revision : doomed) Erase(revision);
  progress.deleted = static_cast<int64_t>(doomed.size());
  return progress;
}

absl::StatusOr<std::optional<Entry>> MemoryRevisionLog::Get(const std::string& key) {
  absl::MutexLock lock(&mu_);
  std::optional<LatestChange> latest = Latest(key);
  if (!latest.has_value() || latest->deleted) return std::nullopt;
  return Entry{key, std::move(latest->value), latest->revision, latest->create_revision};
}

absl::StatusOr<RangePage> MemoryRevisionLog::Range(const RangeRequest& request) {
  absl::MutexLock lock(&mu_);
  if (request.revision < compacted_.load()) {
    return ExpiredError("revision", request.revision, compacted_.load());
  }
  if (request.revision > current_.load()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "revision ", request.revision, " is above the current revision ", current_.load()));
  }
  RangePage page;
  for (auto it = keys_.lower_bound(request.begin); it != keys_.end() && it->first < request.end;
       ++it) {
    auto after = it->second.upper_bound(request.revision);
    if (after == it->second.begin()) continue;
    const Change& change = *std::prev(after)->second;
    if (change.kind == Change::Kind::kDeleted) continue;
    if (request.limit > 0 && static_cast<int64_t>(page.entries.size()) == request.limit) {
      page.more = true;
      ++page.remaining;
      if (!request.count_remaining) break;
      continue;
    }
    page.entries.push_back(
        Entry{change.key, change.value, change.revision, change.create_revision});
  }
  return page;
}

absl::StatusOr<ChangesPage> MemoryRevisionLog::Changes(const ChangesRequest& request) {
  absl::MutexLock lock(&mu_);
  if (request.after_revision < compacted_.load()) {
    return ExpiredError("resourceVersion", request.after_revision, compacted_.load());
  }
  ChangesPage page;
  page.read_revision = current_.load();
  for (auto it = log_.upper_bound(request.after_revision); it != log_.end(); ++it) {
    const Change& change = *it->second;
    if (change.key < request.begin || change.key >= request.end) continue;
    page.changes.push_back(it->second);
    if (request.limit > 0 && static_cast<int64_t>(page.changes.size()) == request.limit) {
      page.read_revision = change.revision;
      break;
    }
  }
  return page;
}

void MemoryRevisionLog::FailNextApply(absl::Status status) {
  absl::MutexLock lock(&mu_);
  fail_next_ = std::move(status);
}

void MemoryRevisionLog::set_before_apply(std::function<void(size_t)> hook) {
  absl::MutexLock lock(&mu_);
  before_apply_ = std::move(hook);
}

std::vector<size_t> MemoryRevisionLog::batch_sizes() const {
  absl::MutexLock lock(&mu_);
  return batch_sizes_;
}

size_t MemoryRevisionLog::change_count() const {
  absl::MutexLock lock(&mu_);
  return log_.size();
}

std::optional<LatestChange> MemoryRevisionLog::Latest(const std::string& key) const {
  auto it = keys_.find(key);
  if (it == keys_.end() || it->second.empty()) return std::nullopt;
  const Change& change = *it->second.rbegin()->second;
  return LatestChange{change.revision, change.create_revision,
                      change.kind == Change::Kind::kDeleted, change.value};
}

bool MemoryRevisionLog::Compactable(const Change& change) const {
  if (change.kind == Change::Kind::kDeleted) return true;
  const History& history = keys_.at(change.key);
  auto next = history.upper_bound(change.revision);
  return next != history.end() && next->first <= compacted_.load();
}

void MemoryRevisionLog::Record(std::shared_ptr<const Change> change) {
  const int64_t revision = change->revision;
  keys_[change->key].emplace(revision, change);
  log_.emplace(revision, std::move(change));
  current_.store(revision);
}

void MemoryRevisionLog::Erase(int64_t revision) {
  auto it = log_.find(revision);
  auto key = keys_.find(it->second->key);
  key->second.erase(revision);
  if (key->second.empty()) keys_.erase(key);
  log_.erase(it);
}

}  // namespace flyover::apiserver::storage
