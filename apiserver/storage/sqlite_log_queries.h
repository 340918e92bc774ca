// The SQL of SqliteRevisionLog (its on-disk format is described in sqlite_revision_log.h):
// creating the schema, and the statements it runs inside its transactions. Each function runs
// on the connection it is given and expects the caller to hold the right transaction: the
// writer's (BEGIN IMMEDIATE) for the ones that write, a read transaction (BEGIN) for ReadRange
// and ReadChanges, so that the compaction check and the rows read share one snapshot.
//
// Thread-safety: as the connection passed in (one thread at a time).
#ifndef FLYOVER_APISERVER_STORAGE_SQLITE_LOG_QUERIES_H_
#define FLYOVER_APISERVER_STORAGE_SQLITE_LOG_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "apiserver/storage/revision_log.h"
#include "apiserver/storage/sqlite_connection.h"

namespace flyover::apiserver::storage {

inline constexpr int64_t kSchemaVersion = 1;

// The meta table.
struct LogMeta {
  int64_t schema_version = 0;
  int64_t revision = 0;          // the latest revision ever assigned
  int64_t compact_revision = 0;  // reads before it are expired
};

// Creates the tables and meta rows if absent (its own transaction).
[[nodiscard]] absl::Status CreateSchema(SqliteConnection& writer);
[[nodiscard]] absl::StatusOr<LogMeta> ReadMeta(SqliteConnection& connection);

// The key's latest change (live or deleted); nullopt if none is retained.
[[nodiscard]] absl::StatusOr<std::optional<LatestChange>> ReadLatest(SqliteConnection& connection,
                                                                     const std::string& key);
[[nodiscard]] absl::Status InsertChange(SqliteConnection& writer, const Change& change);
// Records `revision` as the latest assigned.
[[nodiscard]] absl::Status WriteRevision(SqliteConnection& writer, int64_t revision);

// Raises the stored compacted revision to `revision` (never lowers it).
[[nodiscard]] absl::Status RaiseCompactRevision(SqliteConnection& writer, int64_t revision);
// Deletes up to `max_changes` changes above progress.cursor that compaction at `compacted`
// discards, lowest first, and updates `progress`.
[[nodiscard]] absl::Status DeleteCompactable(SqliteConnection& writer, int64_t compacted,
                                             int64_t max_changes, CompactProgress& progress);

// RevisionLog::Range and ::Changes, inside the caller's read transaction.
[[nodiscard]] absl::Status ReadRange(SqliteConnection& reader, const RangeRequest& request,
                                     RangePage& page);
[[nodiscard]] absl::Status ReadChanges(SqliteConnection& reader, const ChangesRequest& request,
                                       ChangesPage& page);

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_SQLITE_LOG_QUERIES_H_
