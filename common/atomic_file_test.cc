#include "common/atomic_file.h"

#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fault_injecting_file_system.h"
#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::string_view kOld = "old manifest: generation 6, 128 ranks\n";
constexpr absl::string_view kNew = "new manifest: generation 7, 256 ranks, longer than old\n";

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = absl::StrCat(::testing::TempDir(), "flyover_", info->test_suite_name(), "_",
                         info->name(), "_", ::getpid());
    base_.DeleteDirRecursively(root_).IgnoreError();
    const absl::Status status = base_.CreateDirs(root_);
    ASSERT_TRUE(status.ok()) << status;
  }
  void TearDown() override { base_.DeleteDirRecursively(root_).IgnoreError(); }

  // A fresh directory for one case, holding "manifest" = `old` unless `old` is nullopt.
  std::string NewCaseDir(absl::string_view name, std::optional<absl::string_view> old) {
    const std::string dir = absl::StrCat(root_, "/", name);
    EXPECT_TRUE(base_.CreateDirs(dir).ok());
    if (old.has_value()) {
      EXPECT_TRUE(WriteFileAtomically(base_, dir + "/manifest", *old).ok());
    }
    return dir;
  }

  // The entries of `dir`, read through the base filesystem.
  std::vector<std::string> Entries(const std::string& dir) {
    return base_.ListDir(dir).value_or(std::vector<std::string>{"<ListDir failed>"});
  }

  // Expects `dir`/manifest to be exactly `old` (nullopt: absent) or exactly kNew, and
  // returns which: true for kNew.
  bool ExpectOldOrNew(const std::string& dir, std::optional<absl::string_view> old) {
    absl::StatusOr<std::string> contents = base_.ReadFile(dir + "/manifest");
    if (!contents.ok()) {
      EXPECT_EQ(contents.status().code(), absl::StatusCode::kNotFound) << contents.status();
      EXPECT_FALSE(old.has_value()) << "the old manifest vanished";
      return false;
    }
    const bool is_new = *contents == kNew;
    EXPECT_TRUE(is_new || (old.has_value() && *contents == *old))
        << "torn manifest: \"" << *contents << "\"";
    return is_new;
  }

  // Counts the operations of one successful WriteFileAtomically.
  std::map<FileOp, int64_t> CountProtocolOps() {
    const std::string dir = NewCaseDir("count", kOld);
    FaultInjectingFileSystem fs(&base_);
    EXPECT_TRUE(WriteFileAtomically(fs, dir + "/manifest", kNew).ok());
    std::map<FileOp, int64_t> counts;
    for (FileOp op : kAllFileOps) counts[op] = fs.count(op);
    return counts;
  }

  PosixFileSystem base_;
  std::string root_;
};

TEST_F(AtomicFileTest, CreatesThenReplacesAndLeavesNoTempFile) {
  const std::string dir = NewCaseDir("case", std::nullopt);
  ASSERT_TRUE(WriteFileAtomically(base_, dir + "/manifest", kOld).ok());
  EXPECT_EQ(base_.ReadFile(dir + "/manifest").value_or("error"), kOld);
  ASSERT_TRUE(WriteFileAtomically(base_, dir + "/manifest", kNew).ok());
  EXPECT_EQ(base_.ReadFile(dir + "/manifest").value_or("error"), kNew);
  ASSERT_TRUE(WriteFileAtomically(base_, dir + "/manifest", "").ok());
  EXPECT_EQ(base_.ReadFile(dir + "/manifest").value_or("error"), "");
  EXPECT_THAT(Entries(dir), ElementsAre("manifest"));
}

TEST_F(AtomicFileTest, MissingDirectoryIsNotFoundNamingThePath) {
  const std::string path = root_ + "/missing/manifest";
  const absl::Status status = WriteFileAtomically(base_, path, kNew);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("write " + path + " atomically"));
}

TEST_F(AtomicFileTest, ProtocolIsWriteSyncCloseRenameSyncDir) {
  const std::map<FileOp, int64_t> counts = CountProtocolOps();
  EXPECT_EQ(counts.at(FileOp::kCreate), 1);
  EXPECT_EQ(counts.at(FileOp::kAppend), 1);
  EXPECT_EQ(counts.at(FileOp::kSync), 1);
  EXPECT_EQ(counts.at(FileOp::kClose), 1);
  EXPECT_EQ(counts.at(FileOp::kRename), 1);
  EXPECT_EQ(counts.at(FileOp::kSyncDir), 1);
  EXPECT_EQ(counts.at(FileOp::kDelete), 0);
}

// The core property: fail each operation of the protocol in turn; the manifest is then
// exactly the old one or exactly the new one, and no temp file is left behind. Only a
// failed directory fsync (after the rename) may leave the new contents in place.
TEST_F(AtomicFileTest, EveryFailurePointLeavesOldOrNewAndNoTempFile) {
  const std::map<FileOp, int64_t> counts = CountProtocolOps();
  const std::optional<absl::string_view> olds[] = {kOld, std::nullopt};
  for (const std::optional<absl::string_view> old : olds) {
    for (const auto& [op, count] : counts) {
      for (int64_t n = 1; n <= count; ++n) {
        SCOPED_TRACE(absl::StrCat(FileOpName(op), " #", n, old ? " over old" : " fresh"));
        const std::string dir = NewCaseDir(
            absl::StrCat("fail-", static_cast<int>(op), "-", n, old ? "-old" : "-fresh"), old);
        FaultInjectingFileSystem fs(&base_);
        fs.FailNth(op, n);
        EXPECT_FALSE(WriteFileAtomically(fs, dir + "/manifest", kNew).ok());
        EXPECT_EQ(ExpectOldOrNew(dir, old), op == FileOp::kSyncDir);
        const bool manifest_exists = old.has_value() || op == FileOp::kSyncDir;
        EXPECT_EQ(Entries(dir), manifest_exists ? std::vector<std::string>{"manifest"}
                                                : std::vector<std::string>{});
      }
    }
  }
}

TEST_F(AtomicFileTest, EveryShortWriteLeavesOldAndNoTempFile) {
  for (size_t k = 0; k <= kNew.size(); ++k) {
    SCOPED_TRACE(absl::StrCat("short write of ", k, " bytes"));
    const std::string dir = NewCaseDir(absl::StrCat("short-", k), kOld);
    FaultInjectingFileSystem fs(&base_);
    fs.ShortWriteNth(1, k);
    EXPECT_FALSE(WriteFileAtomically(fs, dir + "/manifest", kNew).ok());
    EXPECT_FALSE(ExpectOldOrNew(dir, kOld));
    EXPECT_THAT(Entries(dir), ElementsAre("manifest"));
  }
}

TEST_F(AtomicFileTest, NoSpaceIsResourceExhaustedAndLeavesOld) {
  const std::string dir = NewCaseDir("nospace", kOld);
  FaultInjectingFileSystem fs(&base_);
  fs.NoSpaceNth(1);
  const absl::Status status = WriteFileAtomically(fs, dir + "/manifest", kNew);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_FALSE(ExpectOldOrNew(dir, kOld));
  EXPECT_THAT(Entries(dir), ElementsAre("manifest"));
}

// A crash may leave the temp file (the cleanup dies with the process), but never a torn
// manifest.
TEST_F(AtomicFileTest, CrashAtEveryPointLeavesOldOrNew) {
  const std::map<FileOp, int64_t> counts = CountProtocolOps();
  for (const auto& [op, count] : counts) {
    for (int64_t n = 1; n <= count; ++n) {
      for (const bool short_write : {false, true}) {
        if (short_write && op != FileOp::kAppend) continue;
        SCOPED_TRACE(absl::StrCat("crash at ", FileOpName(op), " #", n,
                                  short_write ? " (short write)" : ""));
        const std::string dir = NewCaseDir(
            absl::StrCat("crash-", static_cast<int>(op), "-", n, "-", short_write), kOld);
        FaultInjectingFileSystem fs(&base_);
        fs.set_crash_on_fault(true);
        if (short_write) {
          fs.ShortWriteNth(n, kNew.size() / 2);
        } else {
          fs.FailNth(op, n);
        }
        EXPECT_FALSE(WriteFileAtomically(fs, dir + "/manifest", kNew).ok());
        EXPECT_TRUE(fs.crashed());
        ExpectOldOrNew(dir, kOld);
        for (const std::string& entry : Entries(dir)) {
          EXPECT_TRUE(entry == "manifest" || absl::StartsWith(entry, "manifest.tmp-")) << entry;
        }
      }
    }
  }
}

TEST(DirNameTest, SplitsOffTheLastComponent) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("/a"), "/");
  EXPECT_EQ(DirName("a"), ".");
  EXPECT_EQ(DirName("/tmp/x/manifest"), "/tmp/x");
}

}  // namespace
}  // namespace flyover
