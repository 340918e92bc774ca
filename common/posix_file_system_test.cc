#include "common/posix_file_system.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(::testing::TempDir(), "flyover_", info->test_suite_name(), "_",
                        info->name(), "_", ::getpid());
    fs_.DeleteDirRecursively(dir_).IgnoreError();
    const absl::Status status = fs_.CreateDirs(dir_);
    ASSERT_TRUE(status.ok()) << status;
  }
  void TearDown() override { fs_.DeleteDirRecursively(dir_).IgnoreError(); }

  std::string Path(absl::string_view name) const { return absl::StrCat(dir_, "/", name); }

  void Write(const std::string& path, absl::string_view contents) {
    absl::StatusOr<std::unique_ptr<WritableFile>> file = fs_.NewWritableFile(path);
    ASSERT_TRUE(file.ok()) << file.status();
    const absl::Status append = (*file)->Append(contents);
    ASSERT_TRUE(append.ok()) << append;
    const absl::Status close = (*file)->Close();
    ASSERT_TRUE(close.ok()) << close;
  }

  // Expects `status` to have `code` and to name `op` and `path`.
  static void ExpectError(const absl::Status& status, absl::StatusCode code, absl::string_view op,
                          absl::string_view path) {
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr(std::string(op)));
    EXPECT_THAT(std::string(status.message()), HasSubstr(std::string(path)));
  }

  PosixFileSystem fs_;
  std::string dir_;
};

TEST_F(PosixFileSystemTest, WriteSyncCloseThenReadRoundTrips) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file = fs_.NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->Append("hello, ").ok());
  EXPECT_TRUE((*file)->Append("").ok());
  EXPECT_TRUE((*file)->Append("world").ok());
  EXPECT_TRUE((*file)->Sync().ok());
  EXPECT_TRUE((*file)->Close().ok());

  absl::StatusOr<std::string> contents = fs_.ReadFile(Path("f"));
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(*contents, "hello, world");
  absl::StatusOr<uint64_t> size = fs_.FileSize(Path("f"));
  ASSERT_TRUE(size.ok()) << size.status();
  EXPECT_EQ(*size, 12u);
}

TEST_F(PosixFileSystemTest, LargeBinaryFileRoundTrips) {
  std::string data(1 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 % 251);
  Write(Path("big"), data);
  absl::StatusOr<std::string> contents = fs_.ReadFile(Path("big"));
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_TRUE(*contents == data);
}

TEST_F(PosixFileSystemTest, NewWritableFileTruncates) {
  Write(Path("f"), "a long first version");
  Write(Path("f"), "short");
  EXPECT_EQ(fs_.ReadFile(Path("f")).value_or("error"), "short");
}

TEST_F(PosixFileSystemTest, CallsAfterCloseFail) {
  absl::StatusOr<std::unique_ptr<WritableFile>> file = fs_.NewWritableFile(Path("f"));
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Close().ok());
  ExpectError((*file)->Append("x"), absl::StatusCode::kFailedPrecondition, "append", Path("f"));
  ExpectError((*file)->Sync(), absl::StatusCode::kFailedPrecondition, "fsync", Path("f"));
  ExpectError((*file)->Close(), absl::StatusCode::kFailedPrecondition, "close", Path("f"));
}

TEST_F(PosixFileSystemTest, MissingFileIsNotFoundAndNamed) {
  const std::string missing = Path("missing");
  ExpectError(fs_.ReadFile(missing).status(), absl::StatusCode::kNotFound, "open", missing);
  ExpectError(fs_.FileSize(missing).status(), absl::StatusCode::kNotFound, "stat", missing);
  ExpectError(fs_.DeleteFile(missing), absl::StatusCode::kNotFound, "unlink", missing);
  ExpectError(fs_.SyncDir(missing), absl::StatusCode::kNotFound, "fsync", missing);
  ExpectError(fs_.ListDir(missing).status(), absl::StatusCode::kNotFound, "list", missing);
  ExpectError(fs_.DeleteDirRecursively(missing), absl::StatusCode::kNotFound, "delete", missing);
  const std::string in_missing_dir = Path("missing/f");
  ExpectError(fs_.NewWritableFile(in_missing_dir).status(), absl::StatusCode::kNotFound, "open",
              in_missing_dir);
}

TEST_F(PosixFileSystemTest, RenameReplacesTargetAndNamesBothPathsOnError) {
  Write(Path("from"), "new");
  Write(Path("to"), "old");
  ASSERT_TRUE(fs_.Rename(Path("from"), Path("to")).ok());
  EXPECT_EQ(fs_.ReadFile(Path("to")).value_or("error"), "new");
  EXPECT_EQ(fs_.FileExists(Path("from")).value_or(true), false);

  const absl::Status status = fs_.Rename(Path("from"), Path("to"));
  ExpectError(status, absl::StatusCode::kNotFound, "rename", Path("from"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(Path("to")));
}

TEST_F(PosixFileSystemTest, ListDirIsSortedAndSkipsDots) {
  absl::StatusOr<std::vector<std::string>> empty = fs_.ListDir(dir_);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_THAT(*empty, IsEmpty());

  Write(Path("charlie"), "");
  Write(Path("alpha"), "");
  Write(Path("Bravo"), "");
  ASSERT_TRUE(fs_.CreateDirs(Path("delta/inner")).ok());
  absl::StatusOr<std::vector<std::string>> names = fs_.ListDir(dir_);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("Bravo", "alpha", "charlie", "delta"));
}

TEST_F(PosixFileSystemTest, CreateDirsMakesParentsAndIsIdempotent) {
  const std::string deep = Path("a/b/c");
  ASSERT_TRUE(fs_.CreateDirs(deep).ok());
  ASSERT_TRUE(fs_.CreateDirs(deep).ok());
  EXPECT_EQ(fs_.FileExists(deep).value_or(false), true);
  Write(Path("a/b/c/f"), "x");
  EXPECT_EQ(fs_.ReadFile(Path("a/b/c/f")).value_or("error"), "x");
}

TEST_F(PosixFileSystemTest, CreateDirsOverAFileFailsNamingThePath) {
  Write(Path("file"), "x");
  const absl::Status status = fs_.CreateDirs(Path("file/sub"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("mkdir -p " + Path("file/sub")));
}

TEST_F(PosixFileSystemTest, DeleteDirRecursivelyRemovesTreeButNotFiles) {
  ASSERT_TRUE(fs_.CreateDirs(Path("tree/a/b")).ok());
  Write(Path("tree/a/b/f"), "x");
  Write(Path("tree/g"), "y");
  Write(Path("plain"), "z");

  ExpectError(fs_.DeleteDirRecursively(Path("plain")), absl::StatusCode::kFailedPrecondition,
              "delete directory", Path("plain"));
  EXPECT_EQ(fs_.FileExists(Path("plain")).value_or(false), true);

  ASSERT_TRUE(fs_.DeleteDirRecursively(Path("tree")).ok());
  EXPECT_EQ(fs_.FileExists(Path("tree")).value_or(true), false);
}

TEST_F(PosixFileSystemTest, DeleteFileRemovesIt) {
  Write(Path("f"), "x");
  EXPECT_EQ(fs_.FileExists(Path("f")).value_or(false), true);
  ASSERT_TRUE(fs_.DeleteFile(Path("f")).ok());
  EXPECT_EQ(fs_.FileExists(Path("f")).value_or(true), false);
}

TEST_F(PosixFileSystemTest, FileExistsUnderAFileIsFalse) {
  Write(Path("f"), "x");
  EXPECT_EQ(fs_.FileExists(Path("f/g")).value_or(true), false);
}

TEST_F(PosixFileSystemTest, SyncDirSucceedsOnADirectory) { EXPECT_TRUE(fs_.SyncDir(dir_).ok()); }

TEST(DefaultFileSystemTest, IsOneSharedInstance) {
  ASSERT_NE(DefaultFileSystem(), nullptr);
  EXPECT_EQ(DefaultFileSystem(), DefaultFileSystem());
}

}  // namespace
}  // namespace flyover
