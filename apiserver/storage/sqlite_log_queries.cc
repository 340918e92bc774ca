#include "apiserver/storage/sqlite_log_queries.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/storage/errors.h"
#include "common/status.h"

namespace flyover::apiserver::storage {
namespace {

constexpr const char* kSchema = R"sql(
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS changes (
  revision INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  kind INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS changes_by_key ON changes(key, revision);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('schema_version', 1), ('revision', 0),
                                  ('compact_revision', 0);
COMMIT;
)sql";

constexpr const char* kSelectMeta = "SELECT name, value FROM meta";
constexpr const char* kSelectLatest =
    "SELECT revision, create_revision, kind, value FROM changes WHERE key = ?1 "
    "ORDER BY revision DESC LIMIT 1";
constexpr const char* kInsertChange =
    "INSERT INTO changes (revision, key, kind, create_revision, prev_revision, value) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kUpdateRevision = "UPDATE meta SET value = ?1 WHERE name = 'revision'";
constexpr const char* kUpdateCompactRevision =
    "UPDATE meta SET value = ?1 WHERE name = 'compact_revision' AND value < ?1";
constexpr const char* kSelectCompactable =
    "SELECT c.revision FROM changes AS c WHERE c.revision > ?1 AND c.revision <= ?2 AND "
    "(c.kind = 2 OR EXISTS (SELECT 1 FROM changes AS n WHERE n.key = c.key AND "
    "n.revision > c.revision AND n.revision <= ?2)) ORDER BY c.revision LIMIT ?3";
constexpr const char* kDeleteChange = "DELETE FROM changes WHERE revision = ?1";
constexpr const char* kSelectRange =
    "SELECT c.key, c.value, c.revision, c.create_revision FROM changes AS c "
    "WHERE c.key >= ?1 AND c.key < ?2 AND c.kind != 2 AND c.revision = "
    "(SELECT MAX(revision) FROM changes WHERE key = c.key AND revision <= ?3) "
    "ORDER BY c.key LIMIT ?4";
// The live keys of a range at a revision: each key's latest change (from the (key, revision)
// index alone), then that change's kind by primary key.
constexpr const char* kCountRange =
    "SELECT COUNT(*) FROM (SELECT MAX(revision) AS latest FROM changes "
    "WHERE key >= ?1 AND key < ?2 AND revision <= ?3 GROUP BY key) AS l "
    "JOIN changes AS c ON c.revision = l.latest WHERE c.kind != 2";
constexpr const char* kSelectChanges =
    "SELECT c.revision, c.key, c.kind, c.create_revision, c.prev_revision, c.value, p.value "
    "FROM changes AS c LEFT JOIN changes AS p ON c.kind = 1 AND p.revision = c.prev_revision "
    "WHERE c.revision > ?1 AND c.key >= ?2 AND c.key < ?3 ORDER BY c.revision LIMIT ?4";

// SQLite's LIMIT: a negative value means none.
int64_t SqlLimit(int64_t limit) { return limit > 0 ? limit : -1; }

std::shared_ptr<const Change> ChangeFromRow(const SqliteQuery& query) {
  auto change = std::make_shared<Change>();
  change->revision = query.ColumnInt(0);
  change->key = std::string(query.ColumnText(1));
  change->kind = static_cast<Change::Kind>(query.ColumnInt(2));
  change->create_revision = query.ColumnInt(3);
  change->prev_revision = query.ColumnInt(4);
  change->value = query.ColumnBlob(5);
  change->prev_value = query.ColumnBlob(6);
  return change;
}

}  // namespace

absl::Status CreateSchema(SqliteConnection& writer) { return writer.Exec(kSchema); }

absl::StatusOr<std::optional<LatestChange>> ReadLatest(SqliteConnection& connection,
                                                       const std::string& key) {
  ASSIGN_OR_RETURN(SqliteQuery query, connection.Prepare(kSelectLatest));
  query.BindText(1, key);
  ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return std::nullopt;
  return LatestChange{query.ColumnInt(0), query.ColumnInt(1),
                      query.ColumnInt(2) == static_cast<int>(Change::Kind::kDeleted),
                      query.ColumnBlob(3)};
}

absl::Status InsertChange(SqliteConnection& writer, const Change& change) {
  ASSIGN_OR_RETURN(SqliteQuery insert, writer.Prepare(kInsertChange));
  return insert.BindInt(1, change.revision)
      .BindText(2, change.key)
      .BindInt(3, static_cast<int>(change.kind))
      .BindInt(4, change.create_revision)
      .BindInt(5, change.prev_revision)
      .BindBlob(6, change.value)
      .Run();
}

absl::Status WriteRevision(SqliteConnection& writer, int64_t revision) {
  ASSIGN_OR_RETURN(SqliteQuery update, writer.Prepare(kUpdateRevision));
  return update.BindInt(1, revision).Run();
}

absl::StatusOr<LogMeta> ReadMeta(SqliteConnection& connection) {
  ASSIGN_OR_RETURN(SqliteQuery query, connection.Prepare(kSelectMeta));
  LogMeta meta;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return meta;
    const absl::string_view name = query.ColumnText(0);
    if (name == "schema_version") meta.schema_version = query.ColumnInt(1);
    if (name == "revision") meta.revision = query.ColumnInt(1);
    if (name == "compact_revision") meta.compact_revision = query.ColumnInt(1);
  }
}

absl::Status RaiseCompactRevision(SqliteConnection& writer, int64_t revision) {
  ASSIGN_OR_RETURN(SqliteQuery update, writer.Prepare(kUpdateCompactRevision));
  return update.BindInt(1, revision).Run();
}

// Deletes up to `max_changes` compactable changes above progress.cursor, lowest first.
absl::Status DeleteCompactable(SqliteConnection& writer, int64_t compacted, int64_t max_changes,
                               CompactProgress& progress) {
  std::vector<int64_t> doomed;
  {
    ASSIGN_OR_RETURN(SqliteQuery select, writer.Prepare(kSelectCompactable));
    select.BindInt(1, progress.cursor).BindInt(2, compacted).BindInt(3, max_changes);
    while (true) {
      ASSIGN_OR_RETURN(bool row, select.Step());
      if (!row) break;
      doomed.push_back(select.ColumnInt(0));
    }
  }
  for (int64_t revision : doomed) {
    ASSIGN_OR_RETURN(SqliteQuery erase, writer.Prepare(kDeleteChange));
    RETURN_IF_ERROR(erase.BindInt(1, revision).Run());
  }
  if (!doomed.empty()) progress.cursor = doomed.back();
  progress.deleted = static_cast<int64_t>(doomed.size());
  progress.done = progress.deleted < max_changes;
  return absl::OkStatus();
}

// Inside a read transaction: the live keys of the range as of its revision.
absl::Status ReadRange(SqliteConnection& reader, const RangeRequest& request, RangePage& page) {
  ASSIGN_OR_RETURN(const LogMeta meta, ReadMeta(reader));
  if (request.revision < meta.compact_revision) {
    return ExpiredError("revision", request.revision, meta.compact_revision);
  }
  if (request.revision > meta.revision) {
    return absl::InvalidArgumentError(absl::StrCat(
        "revision ", request.revision, " is above the current revision ", meta.revision));
  }
  ASSIGN_OR_RETURN(SqliteQuery query, reader.Prepare(kSelectRange));
  // One row more than asked for tells whether there are more.
  query.BindText(1, request.begin).BindText(2, request.end).BindInt(3, request.revision);
  query.BindInt(4, request.limit > 0 ? request.limit + 1 : -1);
  while (true) {
    ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) return absl::OkStatus();
    if (request.limit > 0 && static_cast<int64_t>(page.entries.size()) == request.limit) {
      page.more = true;
      page.remaining = 1;
      if (!request.count_remaining) return absl::OkStatus();
      // The rest, counted in the same transaction (snapshot) without reading values.
      // Bound without a copy: must outlive the query.
      const std::string after_page = page.entries.back().key + std::string(1, '\0');
      ASSIGN_OR_RETURN(SqliteQuery count, reader.Prepare(kCountRange));
      count.BindText(1, after_page)
          .BindText(2, request.end)
          .BindInt(3, request.revision);
      ASSIGN_OR_RETURN(bool counted, count.Step());
      if (counted) page.remaining = count.ColumnInt(0);
      return absl::OkStatus();
    }
    page.entries.push_back(Entry{std::string(query.ColumnText(0)), query.ColumnBlob(1),
                                 query.ColumnInt(2), query.ColumnInt(3)});
  }
}

// Inside a read transaction: the changes of the range after its revision.
absl::Status ReadChanges(SqliteConnection& reader, const ChangesRequest& request,
                         ChangesPage& page) {
  ASSIGN_OR_RETURN(const LogMeta meta, ReadMeta(reader));
  if (request.after_revision < meta.compact_revision) {
    return ExpiredError("resourceVersion", request.after_revision, meta.compact_revision);
  }
  page.read_revision = meta.revision;
  ASSIGN_OR_RETURN(SqliteQuery query, reader.Prepare(kSelectChanges));
  query.BindInt(1, request.after_revision).BindText(2, request.begin).BindText(3, request.end);
  query.BindInt(4, SqlLimit(request.limit));
  while (true) {
    ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    page.changes.push_back(ChangeFromRow(query));
  }
  if (request.limit > 0 && static_cast<int64_t>(page.changes.size()) == request.limit) {
    page.read_revision = page.changes.back()->revision;
  }
  return absl::OkStatus();
}

}  // namespace flyover::apiserver::storage
