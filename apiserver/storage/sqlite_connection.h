// SqliteConnection and SqliteQuery: a small RAII layer over the SQLite C API that turns result
// codes into absl::Status and caches prepared statements.
//
//   ASSIGN_OR_RETURN(SqliteQuery query, connection.Prepare("SELECT value FROM t WHERE k = ?1"));
//   query.BindText(1, key);
//   ASSIGN_OR_RETURN(bool row, query.Step());
//   if (row) value = query.ColumnBlob(0);
//
// Result codes map to status codes by what the caller should do: SQLITE_BUSY/LOCKED and
// I/O errors -> Unavailable, SQLITE_FULL -> ResourceExhausted, SQLITE_CORRUPT/NOTADB ->
// DataLoss, SQLITE_CANTOPEN -> Unavailable, anything else -> Internal; messages read
// "<context>: <sqlite message>".
//
// Ownership: a SqliteQuery borrows a statement from its connection's cache and resets it when
// destroyed; it must not outlive the connection, and only one SqliteQuery per SQL text may be
// alive at a time. Bound text and blobs are not copied: they must outlive the query's steps.
//
// Thread-safety: a connection (with its queries) is used by one thread at a time; different
// connections to one database may be used concurrently (SQLite's multi-thread mode).
#ifndef FLYOVER_APISERVER_STORAGE_SQLITE_CONNECTION_H_
#define FLYOVER_APISERVER_STORAGE_SQLITE_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace flyover::apiserver::storage {

// The status for SQLite result code `rc` on `db` (may be null).
[[nodiscard]] absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context);

class SqliteQuery {
 public:
  SqliteQuery(SqliteQuery&& other) noexcept;
  SqliteQuery& operator=(SqliteQuery&&) = delete;
  ~SqliteQuery();

  // Bind parameter ?index (1-based). A bind error is reported by the next Step().
  SqliteQuery& BindInt(int index, int64_t value);
  SqliteQuery& BindText(int index, absl::string_view text);
  SqliteQuery& BindBlob(int index, absl::string_view bytes);

  // Advances: true when a row is ready, false when done.
  [[nodiscard]] absl::StatusOr<bool> Step();
  // Steps to completion, ignoring rows.
  [[nodiscard]] absl::Status Run();

  int64_t ColumnInt(int column) const;
  // Valid until the next Step() or the query's destruction.
  absl::string_view ColumnText(int column) const;
  std::string ColumnBlob(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  friend class SqliteConnection;
  SqliteQuery(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}
  void NoteBind(int rc);

  sqlite3* db_;
  sqlite3_stmt* statement_;
  int bind_error_ = 0;
};

class SqliteConnection {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens (creating if absent, in kReadWrite mode) the database file at `path`. Waits up to
  // `busy_timeout` for locks held by other connections.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<SqliteConnection>> Open(
      const std::string& path, Mode mode, absl::Duration busy_timeout);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Runs one or more statements that return no rows the caller needs.
  [[nodiscard]] absl::Status Exec(const char* sql);
  // The first column of the first row of `sql` as text ("" when no row).
  [[nodiscard]] absl::StatusOr<std::string> QueryText(const char* sql);
  // A query over the cached prepared statement for `sql` (a string literal: the cache keys on
  // its address).
  [[nodiscard]] absl::StatusOr<SqliteQuery> Prepare(const char* sql);

  sqlite3* handle() const { return db_; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  absl::flat_hash_map<const char*, sqlite3_stmt*> statements_;
};

// Runs `body` (returning absl::Status) between `begin_sql` and COMMIT on `connection`; rolls
// back if `body` or the commit fails and returns that error. `begin_sql` is "BEGIN" (a read
// snapshot, taken at the first read) or "BEGIN IMMEDIATE" (a write).
template <typename Body>
[[nodiscard]] absl::Status InTransaction(SqliteConnection& connection, const char* begin_sql,
                                         Body&& body) {
  if (absl::Status s = connection.Exec(begin_sql); !s.ok()) return s;
  absl::Status status = body();
  if (status.ok()) status = connection.Exec("COMMIT");
  if (!status.ok()) (void)connection.Exec("ROLLBACK");
  return status;
}

}  // namespace flyover::apiserver::storage

#endif  // FLYOVER_APISERVER_STORAGE_SQLITE_CONNECTION_H_
