#include "apiserver/storage/sqlite_revision_log.h"

#include <sqlite3.h>

#include <fstream>
#include <memory>
#include <string>

#include "apiserver/storage/keys.h"
#include "apiserver/storage/testing/scratch_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver::storage {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<SqliteRevisionLog> OpenLogOrDie(const std::string& path) {
  absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> log = SqliteRevisionLog::Open(path);
  EXPECT_TRUE(log.ok()) << log.status();
  return log.ok() ? *std::move(log) : nullptr;
}

// Runs `sql` on a separate plain connection and returns the first column of the first row.
std::string QueryDirectly(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* statement = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return result;
}

Mutation SqliteCreate(const std::string& name) {
  return {Mutation::Kind::kCreate, EncodeKey({"pods", "ns", name}), "v-" + name, std::nullopt};
}

TEST(SqliteRevisionLogTest, RevisionsAndCompactionSurviveReopening) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  {
    std::unique_ptr<SqliteRevisionLog> log = OpenLogOrDie(path);
    ASSERT_TRUE(log->Apply({SqliteCreate("a"), SqliteCreate("b")}).ok());
    ASSERT_TRUE(
        log->Apply({{Mutation::Kind::kDelete, EncodeKey({"pods", "ns", "b"}), "", {}}}).ok());
    ASSERT_TRUE(log->SetCompactRevision(3).ok());
    ASSERT_TRUE(log->CompactStep(0, 100).ok());  // removes b and its deletion: the newest row
  }
  std::unique_ptr<SqliteRevisionLog> log = OpenLogOrDie(path);
  EXPECT_EQ(log->CurrentRevision(), 3);
  EXPECT_EQ(log->CompactRevision(), 3);
  EXPECT_EQ((*log->Get(EncodeKey({"pods", "ns", "a"})))->value, "v-a");
  absl::StatusOr<std::vector<MutationOutcome>> next = log->Apply({SqliteCreate("c")});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0].change->revision, 4);
}

TEST(SqliteRevisionLogTest, UsesWriteAheadLogging) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  std::unique_ptr<SqliteRevisionLog> log = OpenLogOrDie(path);
  EXPECT_EQ(QueryDirectly(path, "PRAGMA journal_mode"), "wal");
}

TEST(SqliteRevisionLogTest, SecondOpenOfOneDatabaseIsRefused) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  std::unique_ptr<SqliteRevisionLog> log = OpenLogOrDie(path);
  absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> second = SqliteRevisionLog::Open(path);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("already open"));
  log.reset();
  EXPECT_TRUE(SqliteRevisionLog::Open(path).ok());
}

TEST(SqliteRevisionLogTest, UnknownSchemaVersionIsRefused) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  OpenLogOrDie(path).reset();
  QueryDirectly(path, "UPDATE meta SET value = 99 WHERE name = 'schema_version'");
  absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> log = SqliteRevisionLog::Open(path);
  EXPECT_EQ(log.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(log.status().message(), HasSubstr("schema version 99"));
}

TEST(SqliteRevisionLogTest, GarbageFileIsDataLoss) {
  testing::ScratchDir dir;
  const std::string path = dir.File("store.db");
  std::ofstream(path) << std::string(8192, 'x');
  EXPECT_EQ(SqliteRevisionLog::Open(path).status().code(), absl::StatusCode::kDataLoss);
}

TEST(SqliteRevisionLogTest, MissingDirectoryIsUnavailableNamingThePath) {
  testing::ScratchDir dir;
  const std::string path = dir.File("no/such/store.db");
  absl::Status status = SqliteRevisionLog::Open(path).status();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("no/such"));
}

TEST(SqliteRevisionLogTest, ReadersBeyondThePoolWaitForAFreeConnection) {
  testing::ScratchDir dir;
  absl::StatusOr<std::unique_ptr<SqliteRevisionLog>> log =
      SqliteRevisionLog::Open(dir.File("store.db"), {.max_readers = 1});
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Apply({SqliteCreate("a")}).ok());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE((*log)->Get(EncodeKey({"pods", "ns", "a"})).ok());
  EXPECT_EQ(SqliteRevisionLog::Open(dir.File("other.db"), {.max_readers = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flyover::apiserver::storage
