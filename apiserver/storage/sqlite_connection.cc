#include "apiserver/storage/sqlite_connection.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace flyover::apiserver::storage {

absl::Status SqliteStatus(int rc, sqlite3* db, absl::string_view context) {
  if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) return absl::OkStatus();
  const std::string message =
      absl::StrCat(context, ": ", db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return absl::UnavailableError(message);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

SqliteQuery::SqliteQuery(SqliteQuery&& other) noexcept
    : db_(other.db_),
      statement_(std::exchange(other.statement_, nullptr)),
      bind_error_(other.bind_error_) {}

SqliteQuery::~SqliteQuery() {
  if (statement_ == nullptr) return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

void SqliteQuery::NoteBind(int rc) {
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

SqliteQuery& SqliteQuery::BindInt(int index, int64_t value) {
  NoteBind(sqlite3_bind_int64(statement_, index, value));
  return *this;
}

SqliteQuery& SqliteQuery::BindText(int index, absl::string_view text) {
  NoteBind(
      sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8));
  return *this;
}

SqliteQuery& SqliteQuery::BindBlob(int index, absl::string_view bytes) {
  // A zero-length blob must not bind as NULL: give SQLite a valid pointer.
  static const char kEmpty = 0;
  NoteBind(sqlite3_bind_blob64(statement_, index, bytes.empty() ? &kEmpty : bytes.data(),
                               bytes.size(), SQLITE_STATIC));
  return *this;
}

absl::StatusOr<bool> SqliteQuery::Step() {
  if (bind_error_ != SQLITE_OK) return SqliteStatus(bind_error_, db_, "binding parameters");
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteStatus(rc, db_, sqlite3_sql(statement_));
}

absl::Status SqliteQuery::Run() {
  while (true) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

int64_t SqliteQuery::ColumnInt(int column) const {
  return sqlite3_column_int64(statement_, column);
}

absl::string_view SqliteQuery::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr) return {};
  return absl::string_view(reinterpret_cast<const char*>(text),
                           static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

std::string SqliteQuery::ColumnBlob(int column) const {
  const void* bytes = sqlite3_column_blob(statement_, column);
  if (bytes == nullptr) return {};
  return std::string(static_cast<const char*>(bytes),
                     static_cast<size_t>(sqlite3_column_bytes(statement_, column)));
}

bool SqliteQuery::ColumnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteConnection::Open(
    const std::string& path, Mode mode, absl::Duration busy_timeout) {
  const int flags =
      SQLITE_OPEN_NOMUTEX | (mode == Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                      : SQLITE_OPEN_READWRITE);
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  std::unique_ptr<SqliteConnection> connection(new SqliteConnection(db));
  if (rc != SQLITE_OK) return SqliteStatus(rc, db, absl::StrCat("opening ", path));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(absl::ToInt64Milliseconds(busy_timeout)));
  if (mode == Mode::kReadOnly) RETURN_IF_ERROR(connection->Exec("PRAGMA query_only=1"));
  return connection;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  sqlite3_close_v2(db_);
}

absl::Status SqliteConnection::Exec(const char* sql) {
  return SqliteStatus(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), db_, sql);
}

absl::StatusOr<std::string> SqliteConnection::QueryText(const char* sql) {
  absl::StatusOr<SqliteQuery> query = Prepare(sql);
  if (!query.ok()) return query.status();
  absl::StatusOr<bool> row = query->Step();
  if (!row.ok()) return row.status();
  return *row ? std::string(query->ColumnText(0)) : std::string();
}

absl::StatusOr<SqliteQuery> SqliteConnection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* statement = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(rc, db_, absl::StrCat("preparing ", sql));
    it = statements_.emplace(sql, statement).first;
  }
  return SqliteQuery(db_, it->second);
}

}  // namespace flyover::apiserver::storage
