#include "apiserver/storage/sqlite_revision_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "apiserver/storage/sqlite_log_queries.h"
#include "common/status.h"

namespace flyover::apiserver::storage {
namespace {

absl::StatusOr<int> LockDatabase(const std::string& path) {
  const std::string lock_path = absl::StrCat(path, ".lock");
  const int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("opening ", lock_path));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    close(fd);
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": the database is already open in another store or process"));
    }
    return ErrnoToStatus(error, absl::StrCat("locking ", lock_path));
  }
  return fd;
}

}  // namespace

// A read connection borrowed from the pool; returned when the lease ends.
class SqliteRevisionLog::ReaderLease {
 public:
  ReaderLease(SqliteRevisionLog* log, std::unique_ptr<SqliteConnection> connection)
      : log_(log), connection_(std::move(connection)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (connection_ != nullptr) log_->ReleaseReader(std::move(connection_));
  }
  SqliteConnection& operator*() { return *connection_; }

 private:
  SqliteRevisionLog* log_;
  std::unique_ptr<SqliteConnection> connection_;
};

absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> SqliteRevisionLog::Open(
    const std::string& path, SqliteRevisionLogOptions options) {
  if (options.max_readers < 1) {
    return absl::InvalidArgumentError("max_readers: must be at least 1");
  }
  ASSIGN_OR_RETURN(const int lock_fd, LockDatabase(path));
  absl::StatusOr<std::unique_ptr<SqliteConnection>> writer =
      SqliteConnection::Open(path, SqliteConnection::Mode::kReadWrite, options.busy_timeout);
  if (!writer.ok()) {
    close(lock_fd);
    return writer.status();
  }
  std::unique_ptr<SqliteRevisionLog> log(
      new SqliteRevisionLog(path, options, lock_fd, *std::move(writer)));
  ASSIGN_OR_RETURN(const std::string mode, log->writer_->QueryText("PRAGMA journal_mode=WAL"));
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot use write-ahead logging (journal mode ", mode, ")"));
  }
  RETURN_IF_ERROR(log->writer_->Exec("PRAGMA synchronous=FULL"));
  RETURN_IF_ERROR(CreateSchema(*log->writer_));
  RETURN_IF_ERROR(log->LoadMeta());
  return log;
}

SqliteRevisionLog::SqliteRevisionLog(std::string path, SqliteRevisionLogOptions options,
                                     int lock_fd, std::unique_ptr<SqliteConnection> writer)
    : path_(std::move(path)), options_(options), lock_fd_(lock_fd), writer_(std::move(writer)) {}

SqliteRevisionLog::~SqliteRevisionLog() {
  {
    absl::MutexLock lock(&readers_mu_);
    idle_readers_.clear();
  }
  writer_.reset();  // every connection closes before the lock is released
  close(lock_fd_);
}

absl::Status SqliteRevisionLog::LoadMeta() {
  ASSIGN_OR_RETURN(const LogMeta meta, ReadMeta(*writer_));
  if (meta.schema_version != kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, ": unknown schema version ", meta.schema_version, ", want ", kSchemaVersion));
  }
  current_.store(meta.revision);
  compacted_.store(meta.compact_revision);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MutationOutcome>> SqliteRevisionLog::Apply(
    absl::Span<const Mutation> mutations) {
  std::vector<MutationOutcome> outcomes;
  outcomes.reserve(mutations.size());
  int64_t revision = current_.load();
  const absl::Status status = InTransaction(*writer_, "BEGIN IMMEDIATE", [&] {
    return ApplyInTransaction(mutations, outcomes, revision);
  });
  if (!status.ok()) return status;
  current_.store(revision);
  return outcomes;
}

absl::Status SqliteRevisionLog::ApplyInTransaction(absl::Span<const Mutation> mutations,
                                                   std::vector<MutationOutcome>& outcomes,
                                                   int64_t& revision) {
  for (const Mutation& mutation : mutations) {
    ASSIGN_OR_RETURN(std::optional<LatestChange> latest, ReadLatest(*writer_, mutation.key));
    absl::StatusOr<Change> planned = PlanMutation(mutation, std::move(latest));
    if (!planned.ok()) {
      outcomes.push_back({planned.status(), nullptr});
      continue;
    }
    planned->revision = ++revision;
    if (planned->kind == Change::Kind::kCreated) planned->create_revision = revision;
    RETURN_IF_ERROR(InsertChange(*writer_, *planned));
    outcomes.push_back({absl::OkStatus(), std::make_shared<const Change>(*std::move(planned))});
  }
  if (revision == current_.load()) return absl::OkStatus();
  return WriteRevision(*writer_, revision);
}

absl::Status SqliteRevisionLog::SetCompactRevision(int64_t revision) {
  if (revision > current_.load()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compact revision ", revision, " is above the current revision ", current_.load()));
  }
  if (revision <= compacted_.load()) return absl::OkStatus();
  const absl::Status status = InTransaction(
      *writer_, "BEGIN IMMEDIATE", [&] { return RaiseCompactRevision(*writer_, revision); });
  if (!status.ok()) return status;
  compacted_.store(revision);
  return absl::OkStatus();
}

absl::StatusOr<CompactProgress> SqliteRevisionLog::CompactStep(int64_t cursor,
                                                               int64_t max_changes) {
  CompactProgress progress{cursor, 0, false};
  const absl::Status status = InTransaction(*writer_, "BEGIN IMMEDIATE", [&] {
    return DeleteCompactable(*writer_, compacted_.load(), max_changes, progress);
  });
  if (!status.ok()) return status;
  return progress;
}

absl::StatusOr<std::optional<Entry>> SqliteRevisionLog::Get(const std::string& key) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ASSIGN_OR_RETURN(std::optional<LatestChange> latest, ReadLatest(*reader, key));
  if (!latest.has_value() || latest->deleted) return std::nullopt;
  return Entry{key, std::move(latest->value), latest->revision, latest->create_revision};
}

absl::StatusOr<RangePage> SqliteRevisionLog::Range(const RangeRequest& request) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  RangePage page;
  const absl::Status status =
      InTransaction(*reader, "BEGIN", [&] { return ReadRange(*reader, request, page); });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<ChangesPage> SqliteRevisionLog::Changes(const ChangesRequest& request) {
  ASSIGN_OR_RETURN(ReaderLease reader, AcquireReader());
  ChangesPage page;
  const absl::Status status =
      InTransaction(*reader, "BEGIN", [&] { return ReadChanges(*reader, request, page); });
  if (!status.ok()) return status;
  return page;
}

absl::StatusOr<SqliteRevisionLog::ReaderLease> SqliteRevisionLog::AcquireReader() {
  {
    absl::MutexLock lock(&readers_mu_);
    auto available = [this] {
      readers_mu_.AssertHeld();
      return !idle_readers_.empty() || open_readers_ < options_.max_readers;
    };
    if (!readers_mu_.AwaitWithTimeout(absl::Condition(&available), options_.busy_timeout)) {
      return absl::UnavailableError(absl::StrCat("no free read connection within ",
                                                 absl::FormatDuration(options_.busy_timeout)));
    }
    if (!idle_readers_.empty()) {
      std::unique_ptr<SqliteConnection> reader = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return ReaderLease(this, std::move(reader));
    }
    ++open_readers_;
  }
  absl::StatusOr<std::unique_ptr<SqliteConnection>> reader =
      SqliteConnection::Open(path_, SqliteConnection::Mode::kReadOnly, options_.busy_timeout);
  if (!reader.ok()) {
    absl::MutexLock lock(&readers_mu_);
    --open_readers_;
    return reader.status();
  }
  return ReaderLease(this, *std::move(reader));
}

void SqliteRevisionLog::ReleaseReader(std::unique_ptr<SqliteConnection> reader) {
  absl::MutexLock lock(&readers_mu_);
  idle_readers_.push_back(std::move(reader));
}

}  // namespace flyover::apiserver::storage
