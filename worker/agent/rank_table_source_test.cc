#include "worker/agent/rank_table_source.h"

#include "common/posix_file_system.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/agent/testing/agent_test_util.h"
#include "worker/agent/testing/fake_supervision_client.h"
#include "worker/agent/testing/stepping_clock.h"

namespace flyover::worker {
namespace {

using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  auto file = DefaultFileSystem()->NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append(text).ok());
  ASSERT_TRUE((*file)->Close().ok());
}

class RankTableSourceTest : public ::testing::Test {
 protected:
  absl::StatusOr<RankTable> Obtain(SupervisionClient* client) {
    return ObtainRankTable({.path = path_, .timeout = absl::Seconds(20)}, client,
                           *DefaultFileSystem(), clock_, nullptr);
  }
  ~RankTableSourceTest() override {
    if (!HasFailure()) (void)DefaultFileSystem()->DeleteDirRecursively(dir_);
  }

  testing::SteppingClock clock_;
  std::string dir_ = testing::MakeTempDir();
  std::string path_ = dir_ + "/config/hccl.json";
};

TEST_F(RankTableSourceTest, AnInitializingFileIsWaitedForUntilTheTimeout) {
  ASSERT_TRUE(DefaultFileSystem()->CreateDirs(path_.substr(0, path_.rfind('/'))).ok());
  Write(path_, R"({"status": "initializing"})");
  absl::StatusOr<RankTable> table = Obtain(nullptr);
  EXPECT_TRUE(absl::IsDeadlineExceeded(table.status())) << table.status();
  EXPECT_THAT(table.status().message(), HasSubstr("still \"initializing\""));
  Write(path_, testing::LocalTableText(2, 1));
  table = Obtain(nullptr);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->WorldSize(), 2);
}

TEST_F(RankTableSourceTest, AnInvalidTableFailsAtOnceNamingTheField) {
  ASSERT_TRUE(DefaultFileSystem()->CreateDirs(path_.substr(0, path_.rfind('/'))).ok());
  Write(path_, R"({"status": "completed", "version": "1.0"})");
  absl::StatusOr<RankTable> table = Obtain(nullptr);
  EXPECT_TRUE(absl::IsInvalidArgument(table.status())) << table.status();
  EXPECT_THAT(table.status().message(), HasSubstr("server_count: required field is missing"));
}

TEST_F(RankTableSourceTest, TheEndpointsTableIsWrittenToTheFileAndStopCancels) {
  testing::FakeSupervisionClient client;
  client.rank_table = testing::LocalTableText(4, 2);
  client.table_not_found = 2;
  absl::StatusOr<RankTable> table = Obtain(&client);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(*DefaultFileSystem()->ReadFile(path_), client.rank_table);
  std::atomic<bool> stop{true};
  EXPECT_TRUE(absl::IsCancelled(ObtainRankTable({.path = path_}, &client, *DefaultFileSystem(),
                                                clock_, &stop).status()));
}

}  // namespace
}  // namespace flyover::worker
