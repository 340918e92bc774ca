// MemoryRevisionLog: the in-memory fake of RevisionLog, for tests of the storage and of the
// layers above it. It follows the RevisionLog contract exactly (the same conformance tests run
// against it and against SqliteRevisionLog) but keeps nothing across processes.
//
// Test hooks:
//   - FailNextApply(status): the next Apply() fails with `status` and records nothing, as a
//     failed SQLite commit does.
//   - set_before_apply(hook): runs at the start of each Apply() with the batch size, on the
//     writer's thread, before any lock is taken; a test can block there to pile up writers
//     and observe group commit deterministically.
//   - batch_sizes(): the size of every Apply() call so far.
//
// Thread-safety: as RevisionLog; the hooks may be set from any thread.
#ifndef FLYOVER_APISERVER_STORAGE_TESTING_MEMORY_REVISION_LOG_H_
#define FLYOVER_APISERVER_STORAGE_TESTING_MEMORY_REVISION_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "apiserver/storage/revision_log.h"

namespace flyover::apiserver::storage {

class MemoryRevisionLog final : public RevisionLog {
 public:
  MemoryRevisionLog() = default;

  absl::StatusOr<std::vector<MutationOutcome>> Apply(absl::Span<const Mutation> mutations) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status SetCompactRevision(int64_t revision) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<CompactProgress> CompactStep(int64_t cursor, int64_t max_changes) override
      ABSL_LOCKS_EXCLUDED(mu_);
  int64_t CurrentRevision() const override { return current_.load(); }
  int64_t CompactRevision() const override { return compacted_.load(); }
  absl::StatusOr<std::optional<Entry>> Get(const std::string& key) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<RangePage> Range(const RangeRequest& request) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<ChangesPage> Changes(const ChangesRequest& request) override
      ABSL_LOCKS_EXCLUDED(mu_);

  void FailNextApply(absl::Status status) ABSL_LOCKS_EXCLUDED(mu_);
  void set_before_apply(std::function<void(size_t batch_size)> hook) ABSL_LOCKS_EXCLUDED(mu_);
  std::vector<size_t> batch_sizes() const ABSL_LOCKS_EXCLUDED(mu_);
  // How many changes the log holds (for compaction tests).
  size_t change_count() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // All changes of one key, by revision.
  using History = std::map<int64_t, std::shared_ptr<const Change>>;

  std::optional<LatestChange> Latest(const std::string& key) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool Compactable(const Change& change) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(std::shared_ptr<const Change> change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Erase(int64_t revision) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<std::string, History> keys_ ABSL_GUARDED_BY(mu_);
  std::map<int64_t, std::shared_ptr<const Change>> log_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Status> fail_next_ ABSL_GUARDED_BY(mu_);
  std::function<void(size_t)> before_apply_ ABSL_GUARDED_BY(mu_);
  std::vector<size_t> batch_sizes_ ABSL_GUARDED_BY(mu_);
  std::atomic<int64_t> current_ = 0;    // written under mu_
  std::atomic<int64_t> compacted_ = 0;  // written under mu_
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_TESTING_MEMORY_REVISION_LOG_H_
