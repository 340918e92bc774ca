// EnsureDataDir: creates missing directories with their parents, accepts existing ones, and
// refuses files and paths that cannot be created, naming the flag.
#include "apiserver/main/data_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flyover::apiserver {
namespace {

using ::testing::HasSubstr;

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "data_dir_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }
  void TearDown() override {
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all);
    std::filesystem::remove_all(root_);
  }

  std::string root_;
};

TEST_F(DataDirTest, CreatesTheDirectoryAndItsParents) {
  const std::string path = root_ + "/a/b/c";
  ASSERT_TRUE(EnsureDataDir(path).ok());
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST_F(DataDirTest, AcceptsAnExistingDirectory) {
  EXPECT_TRUE(EnsureDataDir(root_).ok());
  EXPECT_TRUE(EnsureDataDir(root_ + "/").ok());
}

TEST_F(DataDirTest, RefusesAFileNamingTheFlag) {
  const std::string file = root_ + "/file";
  std::ofstream(file) << "x";
  const absl::Status status = EnsureDataDir(file);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--data-dir"));
  EXPECT_THAT(status.message(), HasSubstr("exists and is not a directory"));
}

TEST_F(DataDirTest, RefusesAPathUnderAFile) {
  const std::string file = root_ + "/file";
  std::ofstream(file) << "x";
  const absl::Status status = EnsureDataDir(file + "/sub");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--data-dir \"" + file + "/sub\": cannot create it"));
}

TEST_F(DataDirTest, RefusesAPathThatCannotBeCreated) {
  if (geteuid() == 0) GTEST_SKIP() << "root may write anywhere";
  ASSERT_EQ(chmod(root_.c_str(), 0500), 0);
  const absl::Status status = EnsureDataDir(root_ + "/denied");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("cannot create it"));
}

TEST_F(DataDirTest, RefusesAnEmptyPath) {
  EXPECT_THAT(EnsureDataDir("").message(), HasSubstr("--data-dir"));
}

}  // namespace
}  // namespace flyover::apiserver
