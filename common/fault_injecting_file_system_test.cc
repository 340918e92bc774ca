#include "common/fault_injecting_file_system.h"

#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = absl::StrCat(::testing::TempDir(), "flyover_", info->test_suite_name(), "_",
                        info->name(), "_", ::getpid());
    base_.DeleteDirRecursively(dir_).IgnoreError();
    const absl::Status status = base_.CreateDirs(dir_);
    ASSERT_TRUE(status.ok()) << status;
    held_ = OpenForWrite(Path("held"));
    ASSERT_NE(held_, nullptr);
    fs_.ResetCounts();
  }
  void TearDown() override { base_.DeleteDirRecursively(dir_).IgnoreError(); }

  std::string Path(absl::string_view name) const { return absl::StrCat(dir_, "/", name); }

  // Creates `path` holding `contents` through the base filesystem, uncounted.
  void WriteBase(const std::string& path, absl::string_view contents) {
    absl::StatusOr<std::unique_ptr<WritableFile>> file = base_.NewWritableFile(path);
    ASSERT_TRUE(file.ok()) << file.status();
    ASSERT_TRUE((*file)->Append(contents).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  std::unique_ptr<WritableFile> OpenForWrite(const std::string& path) {
    absl::StatusOr<std::unique_ptr<WritableFile>> file = fs_.NewWritableFile(path);
    EXPECT_TRUE(file.ok()) << file.status();
    return file.ok() ? std::move(*file) : nullptr;
  }

  // Performs the `i`th operation of kind `op` through fs_; every one would succeed on a
  // healthy disk. Append and Sync go to held_.
  absl::Status DoOne(FileOp op, int i) {
    const std::string name = absl::StrCat(FileOpName(op), i);
    switch (op) {
      case FileOp::kCreate:
        return fs_.NewWritableFile(Path(name)).status();
      case FileOp::kAppend:
        return held_->Append("x");
      case FileOp::kSync:
        return held_->Sync();
      case FileOp::kClose:
        return OpenForWrite(Path(name))->Close();
      case FileOp::kRename:
        WriteBase(Path(name), "r");
        return fs_.Rename(Path(name), Path(name + ".renamed"));
      case FileOp::kSyncDir:
        return fs_.SyncDir(dir_);
      case FileOp::kDelete:
        WriteBase(Path(name), "d");
        return fs_.DeleteFile(Path(name));
    }
    return absl::InternalError("unreachable");
  }

  // Runs five `op`s and returns which of them failed.
  std::vector<bool> RunFive(FileOp op) {
    std::vector<bool> failed;
    for (int i = 1; i <= 5; ++i) failed.push_back(!DoOne(op, i).ok());
    return failed;
  }

  PosixFileSystem base_;
  FaultInjectingFileSystem fs_{&base_};
  std::string dir_;
  std::unique_ptr<WritableFile> held_;  // opened before any test sets a rule
};

TEST_F(FaultInjectingFileSystemTest, PassesThroughAndCountsEachKind) {
  ASSERT_TRUE(fs_.CreateDirs(Path("sub")).ok());
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("sub/f"));
  ASSERT_TRUE(file->Append("ab").ok());
  ASSERT_TRUE(file->Append("cd").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Close().ok());
  ASSERT_TRUE(fs_.Rename(Path("sub/f"), Path("sub/g")).ok());
  ASSERT_TRUE(fs_.SyncDir(Path("sub")).ok());
  EXPECT_EQ(fs_.ReadFile(Path("sub/g")).value_or("error"), "abcd");
  EXPECT_THAT(fs_.ListDir(Path("sub")).value_or(std::vector<std::string>{}), ElementsAre("g"));
  ASSERT_TRUE(fs_.DeleteFile(Path("sub/g")).ok());
  ASSERT_TRUE(fs_.DeleteDirRecursively(Path("sub")).ok());

  EXPECT_EQ(fs_.count(FileOp::kCreate), 2);  // CreateDirs and NewWritableFile
  EXPECT_EQ(fs_.count(FileOp::kAppend), 2);
  EXPECT_EQ(fs_.count(FileOp::kSync), 1);
  EXPECT_EQ(fs_.count(FileOp::kClose), 1);
  EXPECT_EQ(fs_.count(FileOp::kRename), 1);
  EXPECT_EQ(fs_.count(FileOp::kSyncDir), 1);
  EXPECT_EQ(fs_.count(FileOp::kDelete), 2);  // DeleteFile and DeleteDirRecursively

  fs_.ResetCounts();
  for (FileOp op : kAllFileOps) EXPECT_EQ(fs_.count(op), 0) << FileOpName(op);
}

TEST_F(FaultInjectingFileSystemTest, FailNthFiresExactlyAtTheNthOfEachKind) {
  for (FileOp op : kAllFileOps) {
    SCOPED_TRACE(FileOpName(op));
    fs_.ClearFaults();
    fs_.FailNth(op, 3);
    EXPECT_THAT(RunFive(op), ElementsAre(false, false, true, false, false));
  }
}

TEST_F(FaultInjectingFileSystemTest, FailEveryAfterFailsAllLaterOpsOfEachKind) {
  for (FileOp op : kAllFileOps) {
    SCOPED_TRACE(FileOpName(op));
    fs_.ClearFaults();
    fs_.FailEveryAfter(op, 2);
    EXPECT_THAT(RunFive(op), ElementsAre(false, false, true, true, true));
  }
  fs_.ClearFaults();
  fs_.FailEveryAfter(FileOp::kSyncDir, 0);
  EXPECT_THAT(RunFive(FileOp::kSyncDir), ElementsAre(true, true, true, true, true));
}

TEST_F(FaultInjectingFileSystemTest, RuleCountsFromWhenItWasSet) {
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("f"));
  ASSERT_TRUE(file->Append("a").ok());
  ASSERT_TRUE(file->Append("b").ok());
  fs_.FailNth(FileOp::kAppend, 1);
  EXPECT_FALSE(file->Append("c").ok());
  EXPECT_TRUE(file->Append("d").ok());
  EXPECT_EQ(fs_.count(FileOp::kAppend), 4);
}

TEST_F(FaultInjectingFileSystemTest, FailedOperationsHaveNoEffectAndNameOpAndPath) {
  WriteBase(Path("from"), "x");
  fs_.FailNth(FileOp::kRename, 1);
  const absl::Status status = fs_.Rename(Path("from"), Path("to"));
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("injected fault: rename"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(Path("from")));
  EXPECT_THAT(std::string(status.message()), HasSubstr(Path("to")));
  EXPECT_EQ(base_.FileExists(Path("from")).value_or(false), true);
  EXPECT_EQ(base_.FileExists(Path("to")).value_or(true), false);

  fs_.FailNth(FileOp::kCreate, 1);
  EXPECT_FALSE(fs_.NewWritableFile(Path("new")).ok());
  EXPECT_EQ(base_.FileExists(Path("new")).value_or(true), false);
}

TEST_F(FaultInjectingFileSystemTest, ShortWriteLandsExactlyKBytes) {
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("f"));
  ASSERT_TRUE(file->Append("hello").ok());
  fs_.ShortWriteNth(2, 3);
  ASSERT_TRUE(file->Append(" big").ok());
  const absl::Status status = file->Append("world");
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(Path("f")));
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(base_.ReadFile(Path("f")).value_or("error"), "hello bigwor");
}

TEST_F(FaultInjectingFileSystemTest, ShortWriteOfMoreThanTheDataWritesAllAndFails) {
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("f"));
  fs_.ShortWriteNth(1, 100);
  EXPECT_FALSE(file->Append("abc").ok());
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(base_.ReadFile(Path("f")).value_or("error"), "abc");
}

TEST_F(FaultInjectingFileSystemTest, NoSpaceIsResourceExhaustedAndWritesNothing) {
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("f"));
  fs_.NoSpaceNth(1);
  const absl::Status status = file->Append("abc");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("No space left on device"));
  ASSERT_TRUE(file->Close().ok());
  EXPECT_EQ(base_.ReadFile(Path("f")).value_or("error"), "");
}

TEST_F(FaultInjectingFileSystemTest, CrashModeFailsEverythingAfterTheFault) {
  fs_.set_crash_on_fault(true);
  fs_.FailNth(FileOp::kSync, 1);
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("f"));
  ASSERT_TRUE(file->Append("kept").ok());
  EXPECT_FALSE(fs_.crashed());
  EXPECT_FALSE(file->Sync().ok());
  EXPECT_TRUE(fs_.crashed());

  EXPECT_FALSE(file->Append("lost").ok());
  EXPECT_FALSE(file->Close().ok());
  EXPECT_FALSE(fs_.NewWritableFile(Path("g")).ok());
  EXPECT_FALSE(fs_.SyncDir(dir_).ok());
  EXPECT_FALSE(fs_.DeleteFile(Path("f")).ok());
  EXPECT_FALSE(fs_.ReadFile(Path("f")).ok());
  EXPECT_FALSE(fs_.ListDir(dir_).ok());
  EXPECT_FALSE(fs_.FileExists(Path("f")).ok());
  const absl::Status status = fs_.FileSize(Path("f")).status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("after crash"));
  EXPECT_EQ(base_.ReadFile(Path("f")).value_or("error"), "kept");

  fs_.ClearFaults();
  EXPECT_FALSE(fs_.crashed());
  EXPECT_EQ(fs_.ReadFile(Path("f")).value_or("error"), "kept");
}

TEST_F(FaultInjectingFileSystemTest, CrashedShortWriteKeepsTheTornPrefix) {
  fs_.set_crash_on_fault(true);
  fs_.ShortWriteNth(1, 2);
  std::unique_ptr<WritableFile> file = OpenForWrite(Path("f"));
  EXPECT_FALSE(file->Append("abcdef").ok());
  EXPECT_TRUE(fs_.crashed());
  EXPECT_FALSE(file->Append("more").ok());
  file.reset();
  EXPECT_EQ(base_.ReadFile(Path("f")).value_or("error"), "ab");
}

TEST_F(FaultInjectingFileSystemTest, CountsAndFiresOnceAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kAppendsPerThread = 100;
  fs_.FailNth(FileOp::kAppend, 150);
  std::vector<std::unique_ptr<WritableFile>> files;
  for (int t = 0; t < kThreads; ++t) files.push_back(OpenForWrite(Path(absl::StrCat(t))));
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppendsPerThread; ++i) failures[t] += !files[t]->Append("x").ok();
    });
  }
  for (std::thread& thread : threads) thread.join();
  int total_failures = 0;
  for (int f : failures) total_failures += f;
  EXPECT_EQ(total_failures, 1);
  EXPECT_EQ(fs_.count(FileOp::kAppend), kThreads * kAppendsPerThread);
}

TEST(FileOpNameTest, NamesEveryOp) {
  for (FileOp op : kAllFileOps) EXPECT_NE(FileOpName(op), "unknown");
}

}  // namespace
}  // namespace flyover
