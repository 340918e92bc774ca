// SqliteRevisionLog: the RevisionLog in one SQLite database file, in WAL mode with
// synchronous=FULL, so that a transaction is on disk (the WAL fsynced) when Apply() returns.
//
// On-disk format (schema version 1; changing it needs a migration):
//
//   changes(revision INTEGER PRIMARY KEY,  -- the resourceVersion
//           key TEXT NOT NULL,             -- encoded storage key (keys.h)
//           kind INTEGER NOT NULL,         -- 0 created, 1 updated, 2 deleted
//           create_revision INTEGER NOT NULL,
//           prev_revision INTEGER NOT NULL,  -- 0 for a creation
//           value BLOB NOT NULL)           -- for a deletion: the value deleted
//   index changes_by_key(key, revision)
//   meta(name TEXT PRIMARY KEY, value INTEGER): schema_version, revision (the latest revision
//       ever assigned: compaction may delete the newest row, the counter never goes back),
//       compact_revision
//
// One writer connection, used by the thread that calls the writer methods, and a pool of up to
// `max_readers` read connections created on demand (a reader beyond that waits for one).
// Range and Changes read inside one read transaction, so each page is a consistent snapshot and
// the compacted-revision check is coherent with the rows read.
//
// A lock file "<path>.lock" (flock) keeps a second process, or a second SqliteRevisionLog in
// this one, from opening the same database: Open() fails with FailedPrecondition.
//
// Thread-safety: as RevisionLog.
#ifndef FLYOVER_APISERVER_STORAGE_SQLITE_REVISION_LOG_H_
#define FLYOVER_APISERVER_STORAGE_SQLITE_REVISION_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "apiserver/storage/revision_log.h"
#include "apiserver/storage/sqlite_connection.h"

namespace flyover::apiserver::storage {

struct SqliteRevisionLogOptions {
  // Read connections open at most at once.
  int max_readers = 8;
  // How long a connection waits for a lock another connection holds (checkpoints, recovery),
  // and how long a reader waits for a free read connection.
  absl::Duration busy_timeout = absl::Seconds(5);
};

class SqliteRevisionLog final : public RevisionLog {
 public:
  // Opens or creates the database at `path` (its directory must exist). FailedPrecondition if
  // another process holds it or its schema version is unknown; DataLoss if it is corrupt.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> Open(
      const std::string& path, SqliteRevisionLogOptions options = {});
  ~SqliteRevisionLog() override;

  absl::StatusOr<std::vector<MutationOutcome>> Apply(absl::Span<const Mutation> mutations) override;
  absl::Status SetCompactRevision(int64_t revision) override;
  absl::StatusOr<CompactProgress> CompactStep(int64_t cursor, int64_t max_changes) override;
  int64_t CurrentRevision() const override { return current_.load(); }
  int64_t CompactRevision() const override { return compacted_.load(); }
  absl::StatusOr<std::optional<Entry>> Get(const std::string& key) override;
  absl::StatusOr<RangePage> Range(const RangeRequest& request) override;
  absl::StatusOr<ChangesPage> Changes(const ChangesRequest& request) override;

 private:
  class ReaderLease;

  SqliteRevisionLog(std::string path, SqliteRevisionLogOptions options, int lock_fd,
                    std::unique_ptr<SqliteConnection> writer);
  absl::Status LoadMeta();
  absl::Status ApplyInTransaction(absl::Span<const Mutation> mutations,
                                  std::vector<MutationOutcome>& outcomes, int64_t& revision);
  absl::StatusOr<ReaderLease> AcquireReader() ABSL_LOCKS_EXCLUDED(readers_mu_);
  void ReleaseReader(std::unique_ptr<SqliteConnection> reader) ABSL_LOCKS_EXCLUDED(readers_mu_);

  const std::string path_;
  const SqliteRevisionLogOptions options_;
  const int lock_fd_;
  std::unique_ptr<SqliteConnection> writer_;  // the writer thread's; reset only on destruction
  std::atomic<int64_t> current_ = 0;
  std::atomic<int64_t> compacted_ = 0;

  absl::Mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_ ABSL_GUARDED_BY(readers_mu_);
  int open_readers_ ABSL_GUARDED_BY(readers_mu_) = 0;
};

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_SQLITE_REVISION_LOG_H_
